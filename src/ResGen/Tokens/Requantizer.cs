using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens;

/// <summary>
/// Generator-time re-quantization, kept apart from codebook upkeep: a vector predicted for the
/// masked depths of a position is turned back into codes, greedily, depth by depth. Holds the
/// quantizer's codebooks and their squared norms, computed once per sampling run (the codebooks do
/// not change while sampling), so each step pays only the distance products.
/// </summary>
public sealed class Requantizer : IDisposable
{
    readonly ResidualVectorQuantizer quantizer;
    readonly Tensor norms;                                   // [D, K]

    public Requantizer(ResidualVectorQuantizer quantizer)
    {
        this.quantizer = quantizer;
        using (torch.no_grad()) norms = quantizer.Codebooks.pow(2).sum(-1).DetachFromDisposeScope();
    }

    public int Depth => quantizer.Depth;

    /// <summary>
    /// Keeps depths j &lt; <paramref name="start"/> of <paramref name="indices"/> [.., D] and greedily
    /// quantizes <paramref name="target"/> [.., d_z] (the vector the new depths should add up to) over
    /// depths start..D-1. Returns new indices and the squared norm of what is left over [..].
    /// </summary>
    public (Tensor Indices, Tensor Residual) Requantize(Tensor indices, Tensor start, Tensor target)
    {
        var (idx, res, _) = Core(indices, start, target, null);
        return (idx, res);
    }

    /// <summary>
    /// <see cref="Requantize"/>, plus the log-probability of each chosen code [.., D] under an
    /// isotropic Gaussian of the given <paramref name="variance"/> [..] around the residual
    /// (softmax over the codebook of −|r − c|² / 2σ²); 0 for depths that were kept.
    /// </summary>
    /// <param name="drawCodes">
    /// Null: the nearest code at every depth (greedy). A generator: each code is drawn from that softmax
    /// instead (a Gumbel-max draw), and the rest of the vector carried to the next depth; where codes are far
    /// apart against σ (the coarse depths) this is almost always the nearest, at fine depths it varies.
    /// </param>
    public (Tensor Indices, Tensor LogProb) RequantizeScored(Tensor indices, Tensor start, Tensor target, Tensor variance, Generator? drawCodes = null)
    {
        var (idx, _, logp) = Core(indices, start, target, variance, drawCodes);
        return (idx, logp!);
    }

    (Tensor Indices, Tensor Residual, Tensor? LogProb) Core(Tensor indices, Tensor start, Tensor target, Tensor? variance, Generator? drawCodes = null)
    {
        using var scope = torch.NewDisposeScope();
        quantizer.CheckIndices(indices);
        int depth = quantizer.Depth;
        var lead = indices.shape[..^1];
        var idx = indices.reshape(-1, depth);
        var s = start.reshape(-1);
        var r = target.reshape(-1, quantizer.CodeDim).to(ScalarType.Float32);
        var inv = variance is null ? null : 0.5f / variance.reshape(-1, 1).to(ScalarType.Float32);
        var cols = new Tensor[depth];
        var logps = new Tensor[depth];
        for (int j = 0; j < depth; j++)
        {
            var redo = s <= j;
            var book = quantizer.Codebooks[j];
            var dist = ResidualVectorQuantizer.Distances(r, book, norms[j]);             // [N, K], a fresh tensor
            var (nearest, near) = dist.min(1);                                           // the distance and index in one pass
            if (inv is not null)
            {
                // −(dist_k − dist_min)/2σ² in place on the distances (no [N, K] allocations): the log-softmax of
                // −dist/2σ² up to its normaliser, 0 for the nearest code
                var logits = dist.sub_(nearest.unsqueeze(1)).mul_(inv).neg_();
                Tensor? picked = null;
                if (drawCodes is not null)
                {
                    // a code drawn from that softmax instead of the nearest (Gumbel-max)
                    var gumbel = RandomDraw.Rand([.. logits.shape], drawCodes, logits.device).clamp_min_(1e-20f).log_().neg_().log_().neg_();
                    near = (logits + gumbel).argmax(1);
                    picked = logits.gather(1, near.unsqueeze(1)).squeeze(1);
                }
                // the chosen code's log-probability: its logit − log Σ_k exp(logit_k). Exponents are floored at −80:
                // exp of −87..−103 gives denormal floats, which this CPU handles some 30 times slower (predicted
                // variances are small, so most codes land there: the whole re-quantization ran 1.5× longer);
                // e^−80 per code changes a sum of at least 1 by under 1e−32.
                var lp = logits.clamp_min_(-80f).exp_().sum(1).log_().neg_();
                if (picked is not null) lp = lp + picked;
                logps[j] = lp * redo.to(lp.dtype);
            }
            cols[j] = torch.where(redo, near, idx[.., j]);
            r = r - book.index_select(0, near) * redo.unsqueeze(1).to(r.dtype);
        }
        var outIdx = torch.stack(cols, 1).reshape([.. lead, depth]).MoveToOuterDisposeScope();
        var res = r.pow(2).sum(1).reshape(lead).MoveToOuterDisposeScope();
        var outLp = inv is null ? null : torch.stack(logps, 1).reshape([.. lead, depth]).MoveToOuterDisposeScope();
        return (outIdx, res, outLp);
    }

    public void Dispose() => norms.Dispose();
}
