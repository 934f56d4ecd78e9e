using ResGen.Conditioning;
using ResGen.Generation.Mixture;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// The network a ResGen sampler calls: for every position, the summed embedding of its visible
/// tokens [B, L, d_z] and its masked count k [B, L], the real positions [B, L] (null: all) and the
/// condition give a mixture of Gaussians over the summed embedding of its masked tokens — at the
/// positions <paramref name="rows"/> [B, N] only (null: at all L), as [B, N, ..].
/// </summary>
public delegate MixtureParams MixtureNetwork(Tensor visibleSum, Tensor maskedCount, Tensor? valid, Condition condition, Tensor? rows);

/// <summary>
/// ResGen's reverse process. Starting from a fully masked grid (or the known tokens), each of
/// the T steps calls the network once (twice with guidance): at every masked position it draws a
/// mixture component with top-p filtering, takes its mean (or a draw), and re-quantizes it over the
/// masked depths into candidate tokens. Candidates are scored by the component's log-probability
/// (plus, by default, the cumulative log-probability of the chosen codes); the
/// <see cref="ConfidenceReveal"/> step keeps the best so that n_t = ⌈γ(t/T)·N⌉ remain masked.
/// Revealed and known tokens are never re-masked; padded positions count as known. With prompt guidance
/// (<see cref="SamplerSettings.GuidePrompt"/>) the unconditional pass sees each example without its prompt (<see cref="PromptDrop"/>).
/// Only positions that still have masked tokens are worked on: at step t at most n_{t−1} of them
/// (known on the host from the schedule), so the mixture head, the component draw and the
/// re-quantization run on the N = min(L, n_{t−1}) positions with the most masked tokens (a top-k on
/// k, no host synchronisation); the others are fully revealed and keep their tokens.
/// </summary>
public sealed class ResGenSampler(MixtureNetwork network, ResidualVectorQuantizer quantizer, int positions)
{
    /// <summary>Work only on positions that may still have masked tokens (false: on all L every step; the same tokens, for tests).</summary>
    internal bool MaskedPositionsOnly { get; init; } = true;

    public SampleResult Sample(SampleRequest request, Generator generator)
    {
        var settings = request.Settings;
        using var outer = torch.NewDisposeScope();
        int depth = quantizer.Depth, l = positions;
        var cond = request.Condition;
        long b = cond.Batch;
        var (idx, visible, valid) = request.Start(l, depth);
        if (valid is not null) visible = torch.where(valid, visible, torch.full_like(visible, depth));   // padding counts as known

        var steps = new List<SampleStep>();
        var reveal = new ConfidenceReveal(visible, depth, settings.Steps, settings.Schedule, nothingKnown: request.Known is null && valid is null);
        if (reveal.Nothing) return Finish(idx, 0, 0, steps);
        using var requantizer = new Requantizer(quantizer);
        int passes = 0;
        var drop = settings.GuidePrompt && request.PromptPositions is { } prompts ? new PromptDrop(prompts.to(idx.device), valid, l) : null;
        // with prompt guidance: every position's row, and the real positions, made once for all steps
        var allRows = drop is null ? null : torch.arange(l, dtype: ScalarType.Int64, device: idx.device).unsqueeze(0).expand(b, l);
        var real = drop is null ? null : valid ?? torch.ones(b, l, ScalarType.Bool, device: idx.device);

        for (int t = 1; t <= settings.Steps; t++)
        {
            using var scope = torch.NewDisposeScope();
            var masked = depth - visible;                                     // k [B, L]
            var prefix = quantizer.EmbedPrefix(idx, visible);
            float w = settings.GuidanceAt(reveal.RevealedBefore(t));
            // at most n_{t-1} positions still have masked tokens: work on the N with the most
            long most = Math.Min(l, reveal.MostMaskedBefore(t));
            var rows = most < l && MaskedPositionsOnly ? masked.topk((int)most, dim: 1, largest: true, sorted: false).indexes : null;   // [B, N]
            long n = rows?.shape[1] ?? l;
            MixtureParams p;
            using (torch.no_grad())
                p = drop is not null && w != 0
                    ? PromptGuided(prefix, masked, rows, w, ref passes)
                    : ClassifierFreeGuidance.Run((c, copies) => network(
                        ClassifierFreeGuidance.Repeat(prefix, copies), ClassifierFreeGuidance.Repeat(masked, copies),
                        ClassifierFreeGuidance.RepeatOptional(valid, copies), c, ClassifierFreeGuidance.RepeatOptional(rows, copies)),
                    cond, w, ref passes);
            var draw = ComponentDraw.Draw(p, settings.TopP, settings.DrawScale, generator, settings.MixtureGuidance);
            var subIdx = rows is null ? idx : idx.gather(1, rows.unsqueeze(-1).expand(b, n, depth));
            var subVisible = rows is null ? visible : visible.gather(1, rows);
            var (subCand, tokLogp) = requantizer.RequantizeScored(subIdx, subVisible, draw.Vector, draw.Variance,
                settings.CodeChoice == CodeChoice.Sample ? generator : null);

            // Confidence of every candidate token (positions not worked on are fully visible: +∞ in the reveal).
            var subScore = settings.Confidence == "component"
                ? draw.LogProb.unsqueeze(-1).expand(b, n, depth).clone()
                : draw.LogProb.unsqueeze(-1) + tokLogp.cumsum(-1);
            Tensor cand, score;
            if (rows is null) (cand, score) = (subCand, subScore);
            else
            {
                var at = rows.unsqueeze(-1).expand(b, n, depth);
                cand = idx.scatter(1, at, subCand);
                score = torch.full(b, l, depth, double.PositiveInfinity, dtype: subScore.dtype, device: subScore.device).scatter(1, at, subScore);
            }
            var newVisible = reveal.Reveal(t, score, visible, settings.TemperatureAt(t), generator);
            idx.copy_(cand);
            visible.copy_(newVisible);
            if (request.KeepSteps) steps.Add(new SampleStep(t, idx.clone().DetachFromDisposeScope(), visible.clone().DetachFromDisposeScope()));
        }
        return Finish(idx, settings.Steps, passes, steps);

        // Prompt guidance: the conditional half sees the whole sequences, the unconditional half the new
        // parts alone from position 0 with the null condition; both give the mixture of the same positions.
        MixtureParams PromptGuided(Tensor prefix, Tensor masked, Tensor? rows, float w, ref int passes)
        {
            var at = rows ?? allRows!;
            var both = network(torch.cat([prefix, drop!.Shift(prefix, 0)]), torch.cat([masked, drop.Shift(masked, 0)]),
                torch.cat([real!, drop.Valid]), cond.Concat(cond.Null()), torch.cat([at, drop.Rows(at)]));
            passes += 2;
            return both.Rows(0, b).Guide(both.Rows(b, b), w);
        }

        static SampleResult Finish(Tensor i, int calls, int nPasses, List<SampleStep> s)
            => new(i.MoveToOuterDisposeScope(), calls, nPasses, s);
    }
}
