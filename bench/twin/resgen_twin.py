#!/usr/bin/env python3
"""PyTorch twin of ResGen.NET's ResGen network, sampler and training step, used only to measure.

`resgen bench perf` runs this script beside its own measurements and prints TorchSharp/PyTorch
ratios; the product never imports it. It loads the project's safetensors checkpoints (a ResGen
generator and the RVQ codebooks of its tokenizer) and does the same work as the C# code:

  network    src/ResGen/Generation/ResGen/ResGenNetwork.cs, Nn/TransformerBlock.cs (adaLN-zero blocks)
  sampler    Generation/ResGen/ResGenSampler.cs, Generation/ConfidenceReveal.cs, Mixture/ComponentDraw.cs,
             Tokens/Requantizer.cs (only positions that may still hold masked tokens are worked on)
  training   Generation/ResGen/ResGenModel.Loss, DepthMasking.cs, Mixture/MixtureLoss.cs, AdamW, clipping

Usage (one JSON object on stdout):
  resgen_twin.py check  --model M --tokenizer T --file dump.safetensors
  resgen_twin.py time   --model M --tokenizer T [--batches 1,64,256] [--steps 16] [--guidance 0.75]
                        [--repeats 3] [--train-batch 128] [--train-steps 5] [--threads N] [--device cpu]
  resgen_twin.py cold   --model M --tokenizer T [--batch 64] ...   (load + the first sampling run of a process)
  resgen_twin.py step   --config resolved.json [--train-batch 64] [--train-steps 5] [--precision bf16]
                        (training steps of an untrained network at a config, on random tokens: `resgen bench step --twin`)

Every task takes --device cpu|cuda and --precision fp32|bf16 (the training step's arithmetic: bf16 is
PyTorch's autocast; the optimizer is AdamW, foreach on a CPU and fused on a GPU, PyTorch's fastest there).
Where the PyTorch has scaled_dot_product_attention (2.0 on), attention uses it, as the C# network does.
"""
import argparse
import contextlib
import json
import math
import re
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32,
          "BF16": torch.bfloat16, "F16": torch.float16, "BOOL": torch.bool, "U8": torch.uint8}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=DTYPES[v["dtype"]]) if b > a else torch.empty(0, dtype=DTYPES[v["dtype"]])
        out[k] = t.reshape(v["shape"]).clone()
    return out


def checkpoint(path):
    base = path[:-len(".safetensors")] if path.endswith(".safetensors") else path
    with open(base + ".json") as f:
        meta = json.load(f)
    return meta, read_safetensors(base + ".safetensors")


class Block(nn.Module):
    def __init__(self, w, heads, hidden):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(w, 3 * w)
        self.proj = nn.Linear(w, w)
        self.fc1 = nn.Linear(w, hidden)
        self.fc2 = nn.Linear(hidden, w)
        self.ada = nn.Linear(w, 6 * w)

    def forward(self, x, c):
        b, l, w = x.shape
        m = self.ada(c).unsqueeze(1).chunk(6, -1)
        h = F.layer_norm(x, (w,)) * (1 + m[1]) + m[0]
        q, k, v = (t.reshape(b, l, self.heads, w // self.heads).transpose(1, 2) for t in self.qkv(h).chunk(3, -1))
        if hasattr(F, "scaled_dot_product_attention"):
            a = F.scaled_dot_product_attention(q, k, v)
        else:   # PyTorch 1.13 has none: the eager way of its time
            a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(w // self.heads), -1) @ v
        x = x + m[2] * self.proj(a.transpose(1, 2).reshape(b, l, w))
        h = F.layer_norm(x, (w,)) * (1 + m[4]) + m[3]
        return x + m[5] * self.fc2(F.gelu(self.fc1(h)))


class ResGenNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        m, t = cfg["model"], cfg["tokens"]
        w = m["width"]
        self.w, self.cols, self.classes = w, t["grid_width"], m["classes"]
        self.comps, self.dz, self.depth = m["mixture_components"], t["code_dim"], t["depth"]
        self.L = t["grid_height"] * t["grid_width"]
        self.in_proj = nn.Linear(self.dz, w)
        self.count_emb = nn.Embedding(self.depth + 1, w)
        self.row_emb = nn.Embedding(t["grid_height"], w)
        self.col_emb = nn.Embedding(t["grid_width"], w)
        self.class_emb = nn.Embedding(m["classes"] + 1, w)
        self.blocks = nn.ModuleList(Block(w, m["heads"], round(w * m["mlp_ratio"])) for _ in range(m["layers"]))
        self.ada_out = nn.Linear(w, 2 * w)
        self.down = nn.Linear(w, m["head_rank"], bias=False)
        self.up = nn.Linear(m["head_rank"], self.comps * (1 + 2 * self.dz))
        self.register_buffer("latent_scale", torch.ones(1))
        self.register_buffer("pos", torch.arange(self.L))
        self.label_dropout = m["label_dropout"]

    def load(self, tensors):
        names = {"input.in_proj": "in_proj", "input.count_emb": "count_emb", "input.pos.row_emb": "row_emb",
                 "input.pos.col_emb": "col_emb", "class_emb.table": "class_emb", "transformer.blocks": "blocks",
                 "transformer.ada_out": "ada_out", "head.down": "down", "head.up": "up"}
        state = {}
        for k, v in tensors.items():
            for a, b in names.items():
                if k.startswith(a + "."):
                    k = b + k[len(a):]
            state[k] = v
        state["pos"] = self.pos
        self.load_state_dict(state)

    def forward(self, visible_sum, masked, labels, rows=None, generator=None):
        y = torch.where(labels < 0, torch.full_like(labels, self.classes), labels)
        if self.training and self.label_dropout > 0:
            drop = torch.rand(y.shape[0], generator=generator) < self.label_dropout
            y = torch.where(drop, torch.full_like(y, self.classes), y)
        c = F.silu(self.class_emb(y))
        l = visible_sum.shape[1]
        p = self.pos[:l]
        x = self.in_proj(visible_sum / self.latent_scale) + self.count_emb(masked) \
            + (self.row_emb(torch.div(p, self.cols, rounding_mode="floor")) + self.col_emb(p % self.cols)).unsqueeze(0)
        for blk in self.blocks:
            x = blk(x, c)
        m = self.ada_out(c).unsqueeze(1).chunk(2, -1)
        h = F.layer_norm(x, (self.w,)) * (1 + m[1]) + m[0]
        if rows is not None:
            h = h.gather(1, rows.unsqueeze(-1).expand(-1, -1, self.w))
        o = self.up(self.down(h))
        lead = o.shape[:-1]
        logits = o[..., :self.comps]
        rest = o[..., self.comps:].reshape(*lead, self.comps, 2, self.dz)
        log_scales = -2 + 5 * torch.tanh(rest[..., 1, :] / 5)
        return logits, rest[..., 0, :] * self.latent_scale, log_scales + self.latent_scale.log()


class Rvq:
    def __init__(self, codebooks):
        self.books = codebooks                         # [D, K, dz]
        self.depth, self.k, self.dz = codebooks.shape
        self.norms = codebooks.pow(2).sum(-1)          # once per run, as the C# Requantizer

    def vectors(self, idx):
        off = torch.arange(self.depth) * self.k
        return self.books.reshape(-1, self.dz).index_select(0, (idx.clamp_min(0) + off).reshape(-1)).reshape(*idx.shape, self.dz)

    def embed_prefix(self, idx, visible):
        mask = torch.arange(self.depth) < visible.unsqueeze(-1)
        return (self.vectors(idx) * mask.unsqueeze(-1).to(torch.float32)).sum(-2)

    def split(self, idx, visible):
        vec = self.vectors(idx)
        prefix = (vec * (torch.arange(self.depth) < visible.unsqueeze(-1)).unsqueeze(-1).to(vec.dtype)).sum(-2)
        return prefix, vec.sum(-2) - prefix

    def requantize_scored(self, indices, start, target, variance):
        lead = indices.shape[:-1]
        idx = indices.reshape(-1, self.depth)
        s = start.reshape(-1)
        r = target.reshape(-1, self.dz).float()
        inv = 0.5 / variance.reshape(-1, 1).float()
        cols, logps = [], []
        for j in range(self.depth):
            redo = s <= j
            book = self.books[j]
            dist = torch.addmm(self.norms[j].unsqueeze(0), r, book.t(), beta=1, alpha=-2)
            nearest, near = dist.min(1)
            cols.append(torch.where(redo, near, idx[:, j]))
            # log-probability of the nearest code under softmax(-dist / 2 sigma^2), in place on the distances
            lp = dist.sub_(nearest.unsqueeze(1)).mul_(inv).neg_().clamp_min_(-80).exp_().sum(1).log_().neg_()
            logps.append(lp * redo.to(lp.dtype))
            r = r - book.index_select(0, near) * redo.unsqueeze(1).to(r.dtype)
        return torch.stack(cols, 1).reshape(*lead, self.depth), torch.stack(logps, 1).reshape(*lead, self.depth)


def sampling_counts(steps, total):
    counts, prev = [], total
    for t in range(1, steps + 1):
        n = math.ceil(math.cos(math.pi / 2 * t / steps) * total - 1e-9)
        n = max(min(n, max(prev - 1, 0)), 0)
        counts.append(0 if t == steps else n)
        prev = counts[-1]
    return counts


def draw_component(logits, means, log_scales, top_p, generator):
    lead, m = logits.shape[:-1], logits.shape[-1]
    probs = torch.softmax(logits.reshape(-1, m), -1)
    vals, order = torch.sort(probs, dim=1, descending=True)
    keep = torch.zeros_like(vals, dtype=torch.bool).scatter(1, order, (vals.cumsum(1) - vals) < top_p)
    filtered = probs * keep.to(probs.dtype)
    filtered = filtered / filtered.sum(1, keepdim=True)
    choice = torch.multinomial(filtered, 1, generator=generator)
    logp = filtered.gather(1, choice).log().reshape(lead)
    comp = choice.reshape(lead)
    at = comp.unsqueeze(-1).unsqueeze(-1).expand(*lead, 1, means.shape[-1])
    mean = means.gather(-2, at).squeeze(-2)
    ls = log_scales.gather(-2, at).squeeze(-2)
    return logp, mean, (2 * ls).exp().mean(-1)


@torch.no_grad()
def sample(net, rvq, labels, steps, guidance, top_p=0.9, temperature=1.0, generator=None):
    b, l, d = labels.shape[0], net.L, rvq.depth
    idx = torch.zeros(b, l, d, dtype=torch.int64)
    visible = torch.zeros(b, l, dtype=torch.int64)
    total = l * d
    counts = sampling_counts(steps, total)
    both = torch.cat([labels, torch.full_like(labels, -1)]) if guidance > 0 else labels
    for t in range(1, steps + 1):
        masked = d - visible
        prefix = rvq.embed_prefix(idx, visible)
        n = min(l, total if t == 1 else counts[t - 2])
        rows = masked.topk(n, dim=1, largest=True, sorted=False).indices if n < l else None
        if guidance > 0:
            r2 = None if rows is None else torch.cat([rows, rows])
            lg, mu, ls = net(torch.cat([prefix, prefix]), torch.cat([masked, masked]), both, r2)
            lg = lg[:b] + guidance * (lg[:b] - lg[b:])
            mu = mu[:b] + guidance * (mu[:b] - mu[b:])
            ls = ls[:b]
        else:
            lg, mu, ls = net(prefix, masked, both, rows)
        logp, vec, var = draw_component(lg, mu, ls, top_p, generator)
        sub_idx = idx if rows is None else idx.gather(1, rows.unsqueeze(-1).expand(b, n, d))
        sub_vis = visible if rows is None else visible.gather(1, rows)
        cand, tok = rvq.requantize_scored(sub_idx, sub_vis, vec, var)
        score = logp.unsqueeze(-1) + tok.cumsum(-1)
        if rows is not None:
            at = rows.unsqueeze(-1).expand(b, n, d)
            cand = idx.scatter(1, at, cand)
            score = torch.full((b, l, d), math.inf).scatter(1, at, score)
        temp = temperature * (1 - t / steps)
        if temp > 0:
            u = torch.rand(score.shape, generator=generator).clamp(1e-10, 1 - 1e-7)
            score = score + temp * -(-u.log()).log()
        score = score.cummin(-1).values
        score = torch.where(torch.arange(d) < visible.unsqueeze(-1), torch.full_like(score, math.inf), score)
        keep_n = total - counts[t - 1]
        flat = score.reshape(b, -1)
        if keep_n == total:
            keep = torch.ones_like(flat, dtype=torch.bool)
        else:
            top = flat.topk(keep_n, dim=1, largest=True, sorted=False).indices
            keep = torch.zeros_like(flat, dtype=torch.bool).scatter(1, top, True)
        idx = cand
        visible = torch.maximum(keep.reshape(b, l, d).sum(-1), visible)
    return idx


def make_opt(net):
    if DEV.type == "cuda":
        return torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01, fused=True)
    return torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01, foreach=True)


def train_step_fn(net, rvq, opt, idx, labels, generator, bf16=False):
    b, l, d = idx.shape
    # depth-wise masking: n = ceil(gamma(r) L D) cells, spread over positions without replacement
    r = torch.rand(b, dtype=torch.float64, generator=generator)
    n = (torch.cos(r * (math.pi / 2)) * (l * d) - 1e-9).ceil().clamp_min(1).clamp_max(l * d).to(torch.int64)
    keys = torch.rand(b, l * d, generator=generator)
    ranks = keys.argsort(1).argsort(1)
    k = (ranks < n.unsqueeze(1)).reshape(b, l, d).sum(2)
    with torch.no_grad():
        prefix, target = rvq.split(idx, d - k)
    with torch.autocast(device_type=DEV.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext():
        lg, mu, ls = net(prefix, k, labels, generator=generator)
    lg, mu, ls = lg.float(), mu.float(), ls.float()    # the mixture likelihood in float32, as the C# loss
    diff = (target.unsqueeze(-2) - mu) * torch.exp(-ls)
    log_n = -0.5 * diff.pow(2).sum(-1) - ls.sum(-1) - 0.5 * mu.shape[-1] * math.log(2 * math.pi)
    log_pi = F.log_softmax(lg, -1)
    joint = log_pi + log_n
    resp = torch.softmax(joint, -1).detach()
    w = (k > 0).float()
    count = w.sum().clamp_min(1)
    dim = float(target.shape[-1])
    ce = ((-(resp * log_pi).sum(-1)) * w).sum() / count / dim
    reg = ((-(resp * (joint - log_pi)).sum(-1)) * w).sum() / count / dim
    loss = ce + reg
    opt.zero_grad(set_to_none=False)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    return loss


def load(args):
    meta, tensors = checkpoint(args.model)
    if meta.get("kind") != "resgen":
        sys.exit(f"the twin covers the resgen kind only, got {meta.get('kind')}")
    net = ResGenNet(meta["config"])
    net.load(tensors)
    _, tok = checkpoint(args.tokenizer)
    net.to(DEV).eval()
    rvq = Rvq(tok["rvq.codebooks"].float().to(DEV))
    return meta, net, rvq


def untrained(path):
    """A network at a resolved config (`resgen bench step` writes it, tokens included) and random codebooks."""
    with open(path) as f:
        cfg = json.loads(re.sub(r"//[^\n]*", "", f.read()))
    t = cfg["tokens"]
    net = ResGenNet(cfg).to(DEV)
    rvq = Rvq(torch.randn(t["depth"], t["codebook_size"], t["code_dim"], device=DEV))
    return cfg, net, rvq


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])


DEV = torch.device("cpu")


def sync():
    if DEV.type == "cuda":
        torch.cuda.synchronize(DEV)


def ms(f):
    sync()
    t = time.perf_counter()
    f()
    sync()
    return 1000 * (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("task", choices=["check", "time", "cold", "step"])
    ap.add_argument("--model")
    ap.add_argument("--tokenizer")
    ap.add_argument("--config")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--file")
    ap.add_argument("--batches", default="1,64,256")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--guidance", type=float, default=0.75)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--train-batch", type=int, default=128)
    ap.add_argument("--train-steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    global DEV
    DEV = torch.device(args.device)
    if DEV.type == "cuda" and not (torch.cuda.is_available() and hasattr(torch, "set_default_device")):
        sys.exit("--device cuda needs a PyTorch 2.0 or later that sees a GPU")
    bf16 = args.precision == "bf16"
    if args.task == "step" and not args.config or args.task != "step" and not (args.model and args.tokenizer):
        sys.exit("step takes --config; check, time and cold take --model and --tokenizer")
    t0 = time.perf_counter()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    meta, net, rvq = untrained(args.config) if args.task == "step" else load(args)
    load_ms = 1000 * (time.perf_counter() - t0)
    if DEV.type != "cpu":
        torch.set_default_device(DEV)   # the factories below (arange, zeros, rand...) make tensors there
    out = {"torch": torch.__version__, "device": str(DEV), "threads": torch.get_num_threads(), "load_ms": load_ms}
    classes = (meta["config"] if "config" in meta else meta)["model"]["classes"]
    gen = torch.Generator(device=DEV).manual_seed(args.seed)

    def labels(n):
        return torch.arange(n) % classes

    if args.task == "check":
        d = {k: v.to(DEV) for k, v in read_safetensors(args.file).items()}
        with torch.no_grad():
            lg, mu, ls = net(d["visible_sum"], d["masked"], d["labels"], d.get("rows"))
        out["forward_max_abs_diff"] = max((lg - d["logits"]).abs().max().item(), (mu - d["means"]).abs().max().item(),
                                          (ls - d["log_scales"]).abs().max().item())
        out["forward_max_abs"] = max(d["logits"].abs().max().item(), d["means"].abs().max().item())
        cand, logp = rvq.requantize_scored(d["rq_indices"], d["rq_start"], d["rq_target"], d["rq_variance"])
        out["requant_same_codes"] = (cand == d["rq_out_indices"]).float().mean().item()
        out["requant_logp_max_abs_diff"] = (logp - d["rq_out_logp"]).abs().max().item()
    elif args.task == "step":
        net.train()
        opt = make_opt(net)
        t = meta["tokens"]
        b = args.train_batch
        times = []
        for _ in range(args.train_steps + 1):          # the first warms up and is not counted
            tidx = torch.randint(0, t["codebook_size"], (b, net.L, t["depth"]), generator=gen)
            times.append(ms(lambda: train_step_fn(net, rvq, opt, tidx, labels(b), gen, bf16)))
        out["train_step_ms"] = median(times[1:])
        out["step_ms"] = times[1:]
        out["parameters"] = sum(p.numel() for p in net.parameters())
    elif args.task == "cold":
        out["first_sample_ms"] = ms(lambda: sample(net, rvq, labels(args.batch), args.steps, args.guidance, generator=gen))
        out["second_sample_ms"] = ms(lambda: sample(net, rvq, labels(args.batch), args.steps, args.guidance, generator=gen))
    else:
        res = {}
        for bs in [int(x) for x in args.batches.split(",") if x]:
            sample(net, rvq, labels(bs), args.steps, args.guidance, generator=gen)          # warm-up
            res[str(bs)] = median([ms(lambda: sample(net, rvq, labels(bs), args.steps, args.guidance, generator=gen))
                                   for _ in range(args.repeats)])
        out["sample_ms"] = res
        # one forward at the training batch, one re-quantization at batch 64 (all positions, all depths)
        b = args.train_batch
        x = torch.randn(b, net.L, rvq.dz)
        kk = torch.randint(0, rvq.depth + 1, (b, net.L))
        with torch.no_grad():
            net(x, kk, labels(b))
            out["forward_ms"] = median([ms(lambda: net(x, kk, labels(b))) for _ in range(max(3, args.repeats))])
        idx = torch.randint(0, rvq.k, (64, net.L, rvq.depth))
        z = torch.randn(64, net.L, rvq.dz)
        st = torch.zeros(64, net.L, dtype=torch.int64)
        var = torch.full((64, net.L), 0.1)
        rvq.requantize_scored(idx, st, z, var)
        out["requant_ms"] = median([ms(lambda: rvq.requantize_scored(idx, st, z, var)) for _ in range(max(3, args.repeats))])
        # training step: same loss, clipping and AdamW (foreach: PyTorch's fastest AdamW on a CPU)
        net.train()
        opt = make_opt(net)
        tidx = torch.randint(0, rvq.k, (b, net.L, rvq.depth), generator=gen)
        tl = labels(b)
        train_step_fn(net, rvq, opt, tidx, tl, gen, bf16)
        out["train_step_ms"] = median([ms(lambda: train_step_fn(net, rvq, opt, tidx, tl, gen, bf16)) for _ in range(args.train_steps)])
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
