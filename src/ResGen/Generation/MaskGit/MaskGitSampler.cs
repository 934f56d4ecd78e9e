using ResGen.Conditioning;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation.MaskGit;

/// <summary>The network a token-wise sampler calls: visible sums [B, L, d_z], masked counts [B, L], real positions, condition → logits [B, L, D, K].</summary>
public delegate TokenLogits TokenNetwork(Tensor visibleSum, Tensor maskedCount, Tensor? valid, Condition condition);

/// <summary>
/// The token-wise counterpart of <see cref="ResGenSampler"/>: the same depth-wise state, schedule and
/// <see cref="ConfidenceReveal"/> step, but each masked depth's token is drawn from its own softmax
/// (temperature, top-k, top-p), independently of the other masked depths of its position (only masked
/// cells are drawn). A
/// candidate's confidence is the log-probability of the drawn tokens from the first masked depth up
/// to it (non-increasing with depth, like ResGen's code confidences).
/// </summary>
public sealed class MaskGitSampler(TokenNetwork network, int positions, int depth, ResidualVectorQuantizer quantizer)
{
    public SampleResult Sample(SampleRequest request, Generator generator)
    {
        var settings = request.Settings;
        using var outer = torch.NewDisposeScope();
        int l = positions;
        var cond = request.Condition;
        long b = cond.Batch;
        var device = cond.Device;
        var (idx, visible, valid) = request.Start(l, depth);
        if (valid is not null) visible = torch.where(valid, visible, torch.full_like(visible, depth));   // padding counts as known

        var steps = new List<SampleStep>();
        var reveal = new ConfidenceReveal(visible, depth, settings.Steps, settings.Schedule, nothingKnown: request.Known is null && valid is null);
        if (reveal.Nothing) return new SampleResult(idx.MoveToOuterDisposeScope(), 0, 0, steps);
        var depthIndex = torch.arange(depth, device: device);
        int passes = 0;
        for (int t = 1; t <= settings.Steps; t++)
        {
            using var scope = torch.NewDisposeScope();
            var masked = depth - visible;
            var prefix = quantizer.EmbedPrefix(idx, visible);
            float w = settings.GuidanceAt(reveal.RevealedBefore(t));
            TokenLogits logits;
            using (torch.no_grad())
                logits = ClassifierFreeGuidance.Run((c, n) => network(
                        ClassifierFreeGuidance.Repeat(prefix, n), ClassifierFreeGuidance.Repeat(masked, n),
                        ClassifierFreeGuidance.RepeatOptional(valid, n), c),
                    cond, w, ref passes);
            // draw only where a depth is still masked (visible tokens keep their code and add 0 to the confidence);
            // their number is known from the schedule, so a stable sort finds them in index order with no host read
            var isMasked = (depthIndex >= visible.unsqueeze(-1)).reshape(-1).to(ScalarType.Int32);
            var cells = torch.sort(isMasked, dim: 0, descending: true, stable: true).indices.narrow(0, 0, reveal.TotalMaskedBefore(t));
            var (drawn, logp) = TokenDraw.Sample(logits.Logits.reshape(-1, logits.Logits.shape[^1]).index_select(0, cells),
                settings.TokenTemperature, settings.TopK, settings.TopP, generator);
            var cand = idx.reshape(-1).index_copy(0, cells, drawn).reshape(b, l, depth);
            var score = torch.zeros(b * l * depth, device: device).index_copy(0, cells, logp).reshape(b, l, depth).cumsum(-1);
            var newVisible = reveal.Reveal(t, score, visible, settings.TemperatureAt(t), generator);
            idx.copy_(cand);
            visible.copy_(newVisible);
            if (request.KeepSteps) steps.Add(new SampleStep(t, idx.clone().DetachFromDisposeScope(), visible.clone().DetachFromDisposeScope()));
        }
        return new SampleResult(idx.MoveToOuterDisposeScope(), settings.Steps, passes, steps);
    }
}
