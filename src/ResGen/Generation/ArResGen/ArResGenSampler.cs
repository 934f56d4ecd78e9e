using ResGen.Conditioning;
using ResGen.Generation.Mixture;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation.ArResGen;

/// <summary>
/// AR-ResGen's sampler: one network call per position, in order. At position i it draws a mixture
/// component (top-p), takes its mean (or a draw) as the position's summed embedding and re-quantizes it
/// greedily over all D depths (over the depths after a known prefix). With a KV cache each call
/// processes only the new position; without one it reruns the whole prefix (same tokens, for tests).
/// </summary>
public sealed class ArResGenSampler(IArMixtureNetwork network, ResidualVectorQuantizer quantizer, int positions, bool useCache = true)
{
    public SampleResult Sample(SampleRequest request, Generator generator)
    {
        var settings = request.Settings;
        using var outer = torch.NewDisposeScope();
        int depth = quantizer.Depth, l = positions;
        var cond = request.Condition;
        long b = cond.Batch;
        var device = cond.Device;
        var (idx, knownDepth, valid) = request.Start(l, depth);
        bool guided = settings.Guidance > 0;
        var (encoded1, encoded2) = ClassifierFreeGuidance.EncodeOnce(c => network.Encode(c), cond, guided);
        using var cache = useCache ? network.NewCache(l) : null;
        using var requantizer = new Requantizer(quantizer);
        int passes = 0;
        for (int i = 0; i < l; i++)
        {
            using var scope = torch.NewDisposeScope();
            MixtureParams p;
            using (torch.no_grad())
            {
                var prev = ShiftedInput.PreviousSums(quantizer, idx, i, useCache);
                p = ClassifierFreeGuidance.Run((c, n) =>
                    {
                        var all = network.Step(ClassifierFreeGuidance.Repeat(prev, n), useCache ? i : 0, n == 1 ? encoded1 : encoded2, cache);
                        long last = all.Logits.shape[1] - 1;
                        return new MixtureParams(all.Logits.narrow(1, last, 1), all.Means.narrow(1, last, 1), all.LogScales.narrow(1, last, 1));
                    }, cond, settings.GuidanceAt((double)i / l), ref passes, alwaysDouble: guided);
            }
            var draw = ComponentDraw.Draw(p, settings.TopP, settings.DrawScale, generator, settings.MixtureGuidance);       // [B, 1, ..]
            var current = idx.narrow(1, i, 1);                                                  // [B, 1, D]
            var startDepth = knownDepth.narrow(1, i, 1);
            var target = request.Known is null ? draw.Vector : draw.Vector - quantizer.EmbedPrefix(current, startDepth);
            var (requantized, _) = requantizer.Requantize(current, startDepth, target);
            idx.narrow(1, i, 1).copy_(requantized);
        }
        if (valid is not null) idx = idx * valid.unsqueeze(-1).to(ScalarType.Int64);
        return new SampleResult(idx.MoveToOuterDisposeScope(), l, passes, []);
    }
}
