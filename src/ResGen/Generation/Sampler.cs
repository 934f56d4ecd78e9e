using TorchSharp;
using ResGen.Tokens;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation;

/// <summary>Tokens given in advance (inpainting, a speech prompt): a known prefix of depths per position.</summary>
/// <param name="Indices">[B, L, D]; only depths below <paramref name="Depths"/> are read.</param>
/// <param name="Depths">Known depths per position [B, L] (0 = nothing known, D = the whole position).</param>
public sealed record KnownTokens(Tensor Indices, Tensor Depths);

/// <summary>One intermediate state of a sampling run.</summary>
public sealed record SampleStep(int Step, Tensor Indices, Tensor Visible);

/// <summary>The outcome of a sampling run.</summary>
public sealed record SampleResult(Tensor Indices, int NetworkCalls, int NetworkPasses, IReadOnlyList<SampleStep> Steps);

/// <summary>
/// ResGen's reverse process. Starting from a fully masked grid (or the known tokens), each of
/// the T steps calls the network once (twice with guidance): at every masked position it draws a
/// mixture component with top-p filtering, takes its mean (or a draw), and re-quantizes it over the
/// masked depths into candidate tokens. Candidates are scored by the component's log-probability
/// plus the cumulative log-probability of the chosen codes, plus Gumbel noise whose temperature
/// anneals to zero; scores never increase with depth inside a position, so the kept tokens always
/// form a coarse prefix. The best tokens are kept and the rest re-masked so that n_t = ⌈γ(t/T)·N⌉
/// remain masked, strictly fewer every step. Revealed and known tokens are never re-masked.
/// </summary>
public sealed class Sampler(MixtureNetwork network, ResidualVectorQuantizer quantizer, int nullClass, int positions)
{
    /// <summary>Runs T steps; <paramref name="labels"/> [B] (int64) gives the class of every sample.</summary>
    public SampleResult Sample(SamplerSettings settings, Tensor labels, Generator generator, KnownTokens? known = null, bool keepSteps = false)
    {
        settings.Validate();
        using var outer = torch.NewDisposeScope();
        int depth = quantizer.Depth, l = positions;
        long b = labels.shape[0];
        var device = labels.device;
        var idx = known is null ? torch.zeros(b, l, depth, ScalarType.Int64, device: device) : known.Indices.to(device).clone();
        var visible = known is null ? torch.zeros(b, l, ScalarType.Int64, device: device) : known.Depths.to(device).to(ScalarType.Int64).clone();
        if (known is not null) CheckKnown(known, b, l, depth);

        // Tokens to generate per example and the schedule of how many stay masked after each step.
        var unknown = (depth - visible).sum(1).cpu().data<long>().ToArray();
        long maxUnknown = unknown.Max();
        var steps = new List<SampleStep>();
        if (maxUnknown == 0) return Finish(idx, 0, 0, steps);
        if (settings.Steps > unknown.Where(u => u > 0).Min())
            throw new UserErrorException($"steps ({settings.Steps}) cannot exceed the number of tokens to generate ({unknown.Where(u => u > 0).Min()}).");
        var schedules = unknown.Select(u => u == 0 ? new int[settings.Steps] : MaskSchedule.SamplingCounts(settings.Schedule, settings.Steps, (int)u)).ToArray();
        var depthIndex = torch.arange(depth, device: device);
        var nullLabels = torch.full_like(labels, nullClass);
        int passes = 0;

        for (int t = 1; t <= settings.Steps; t++)
        {
            using var scope = torch.NewDisposeScope();
            var masked = depth - visible;                                     // k [B, L]
            var prefix = quantizer.EmbedPrefix(idx, visible);
            double revealed = 1.0 - (t == 1 ? 1.0 : (double)schedules.Select(s => (long)s[t - 2]).Sum() / Math.Max(1, unknown.Sum()));
            float w = settings.GuidanceAt(revealed);
            MixtureParams p;
            using (torch.no_grad())
            {
                if (w == 0) { p = network(prefix, masked, labels); passes += 1; }
                else { p = Guided(prefix, masked, labels, nullLabels, w); passes += 2; }
            }
            var (logPi, comp) = ChooseComponent(p.Logits.to(ScalarType.Float32), settings.TopP, generator);   // [B, L]
            var gatherIdx = comp.unsqueeze(-1).unsqueeze(-1).expand(b, l, 1, p.Means.shape[^1]);
            var mean = p.Means.to(ScalarType.Float32).gather(2, gatherIdx).squeeze(2);          // [B, L, dz]
            var logScale = p.LogScales.to(ScalarType.Float32).gather(2, gatherIdx).squeeze(2);
            var z = settings.DrawScale > 0
                ? mean + settings.DrawScale * logScale.exp() * torch.randn(mean.shape, generator: generator, device: device)
                : mean;
            var variance = (2 * logScale).exp().mean([-1]);                                   // [B, L]
            var (cand, tokLogp) = quantizer.RequantizeScored(idx, visible, z, variance);

            // Confidence of every candidate token; non-increasing with depth inside a position.
            var score = settings.Confidence == "component"
                ? logPi.unsqueeze(-1).expand(b, l, depth).clone()
                : logPi.unsqueeze(-1) + tokLogp.cumsum(-1);
            float tau = settings.TemperatureAt(t);
            if (tau > 0)
            {
                var u = torch.rand(score.shape, generator: generator, device: device).clamp(1e-10, 1 - 1e-7);
                score = score + tau * -(-u.log()).log();
            }
            score = score.cummin(-1).values;
            var isVisible = depthIndex < visible.unsqueeze(-1);
            score = torch.where(isVisible, torch.full_like(score, double.PositiveInfinity), score);

            // Keep the best (L·D − n_t) tokens of each example; re-mask the rest.
            var keepCount = torch.tensor(schedules.Select((s, i) => (long)l * depth - s[t - 1]).ToArray(), device: device);
            var order = torch.sort(score.reshape(b, -1), dim: 1, descending: true, stable: true).indices;
            var rank = order.argsort(1);
            var keep = (rank < keepCount.unsqueeze(1)).reshape(b, l, depth);
            var newVisible = keep.sum(-1, type: ScalarType.Int64).maximum(visible);
            idx.copy_(cand);
            visible.copy_(newVisible);
            if (keepSteps) steps.Add(new SampleStep(t, idx.clone().DetachFromDisposeScope(), visible.clone().DetachFromDisposeScope()));
        }
        return Finish(idx, settings.Steps, passes, steps);

        SampleResult Finish(Tensor i, int calls, int nPasses, List<SampleStep> s)
            => new(i.MoveToOuterDisposeScope(), calls, nPasses, s);
    }

    MixtureParams Guided(Tensor prefix, Tensor masked, Tensor labels, Tensor nullLabels, float w)
    {
        var both = network(torch.cat([prefix, prefix]), torch.cat([masked, masked]), torch.cat([labels, nullLabels]));
        long b = labels.shape[0];
        MixtureParams Half(Range r) => new(both.Logits[r], both.Means[r], both.LogScales[r]);
        return Guide(Half(..(int)b), Half((int)b..), w);
    }

    /// <summary>
    /// Classifier-free guidance on a mixture: logits and means move to cond + w·(cond − uncond);
    /// scales stay conditional. w = 0 returns the conditional mixture.
    /// </summary>
    public static MixtureParams Guide(MixtureParams cond, MixtureParams uncond, float w)
        => w == 0 ? cond : new(cond.Logits + w * (cond.Logits - uncond.Logits), cond.Means + w * (cond.Means - uncond.Means), cond.LogScales);

    /// <summary>Top-p filtered draw of one component per position: (log-probability after filtering, index).</summary>
    static (Tensor LogProb, Tensor Index) ChooseComponent(Tensor logits, float topP, Generator generator)
    {
        var lead = logits.shape[..^1];
        long m = logits.shape[^1];
        var probs = functional.softmax(logits.reshape(-1, m), -1);
        var sorted = torch.sort(probs, dim: 1, descending: true);
        var cum = sorted.values.cumsum(1);
        // keep a component if the mass before it is below p (the most likely one always stays)
        var keepSorted = (cum - sorted.values) < topP;
        var keep = torch.zeros_like(keepSorted).scatter(1, sorted.indices, keepSorted);
        var filtered = probs * keep.to(probs.dtype);
        filtered = filtered / filtered.sum(1, keepdim: true);
        var choice = torch.multinomial(filtered, 1, generator: generator);           // [N, 1]
        var logp = filtered.gather(1, choice).log();
        return (logp.reshape(lead), choice.reshape(lead));
    }

    static void CheckKnown(KnownTokens known, long b, int l, int depth)
    {
        if (known.Indices.dim() != 3 || known.Indices.shape[0] != b || known.Indices.shape[1] != l || known.Indices.shape[2] != depth)
            throw new ArgumentException($"known indices must be [{b}, {l}, {depth}], got [{string.Join(", ", known.Indices.shape)}]");
        if (known.Depths.dim() != 2 || known.Depths.shape[0] != b || known.Depths.shape[1] != l)
            throw new ArgumentException($"known depths must be [{b}, {l}], got [{string.Join(", ", known.Depths.shape)}]");
        if ((known.Depths < 0).any().item<bool>() || (known.Depths > depth).any().item<bool>())
            throw new ArgumentException($"known depths must lie in 0..{depth}");
    }
}
