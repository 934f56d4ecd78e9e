using ResGen.Conditioning;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation.RqTransformer;

/// <summary>
/// The RQ-Transformer's sampler: position by position, one spatial call, then D depth calls that
/// draw the position's codes one by one (temperature, top-k, top-p; guidance on the logits), so
/// L·D sequential predictions per sample. With KV caches every call processes one new input; without
/// them each call reruns its whole prefix (the same tokens, for tests).
/// </summary>
public sealed class RqTransformerSampler(IRqNetwork network, ResidualVectorQuantizer quantizer, int positions, bool useCache = true)
{
    public SampleResult Sample(SampleRequest request, Generator generator)
    {
        var settings = request.Settings;
        using var outer = torch.NewDisposeScope();
        int depth = quantizer.Depth, l = positions;
        var cond = request.Condition;
        long b = cond.Batch;
        var device = cond.Device;
        var (idx, knownDepths, valid) = request.Start(l, depth);
        // known depths steer which depth calls are made: read once before the loop, and only when some are given
        var knownDepth = request.Known is null ? new long[b * l] : knownDepths.cpu().data<long>().ToArray();   // host: before the loop
        bool guided = settings.Guidance > 0;
        var (encoded1, encoded2) = ClassifierFreeGuidance.EncodeOnce(c => network.Encode(c), cond, guided);
        var lengths1 = request.Lengths?.to(device).to(ScalarType.Int64);
        var lengths2 = lengths1 is null ? null : ClassifierFreeGuidance.Repeat(lengths1, 2);
        using var spatialCache = useCache ? network.NewSpatialCache(l) : null;
        var zeroRow = torch.zeros(b, 1, quantizer.CodeDim, device: device);
        int passes = 0, calls = 0;
        for (int i = 0; i < l; i++)
        {
            using var scope = torch.NewDisposeScope();
            float w = settings.GuidanceAt((double)i / l);
            int copies = guided ? 2 : 1;
            Tensor context;
            using (torch.no_grad())
            {
                var prev = ShiftedInput.PreviousSums(quantizer, idx, i, useCache);
                var h = network.Spatial(ClassifierFreeGuidance.Repeat(prev, copies), useCache ? i : 0, copies == 1 ? encoded1 : encoded2, spatialCache,
                    copies == 1 ? lengths1 : lengths2);
                context = h.narrow(1, h.shape[1] - 1, 1).squeeze(1);                               // [copies·B, W]
                passes += copies;
            }
            // a position known to its last depth needs no depth calls
            int firstUnknown = (int)Enumerable.Range(0, (int)b).Min(e => knownDepth[e * l + i]);
            if (firstUnknown >= depth) continue;
            using var depthCache = useCache ? network.NewDepthCache() : null;
            var vectors = torch.zeros(b, depth, quantizer.CodeDim, device: device);            // code vectors chosen so far
            var chosen = torch.zeros(b, quantizer.CodeDim, device: device);                     // their running sum
            var startDepth = torch.tensor(Enumerable.Range(0, (int)b).Select(e => knownDepth[e * l + i]).ToArray(), device: device);
            var position = idx.narrow(1, i, 1).squeeze(1);                                     // [B, D] (a view)
            for (int d = 0; d < depth; d++)
            {
                TokenLogits logits;
                using (torch.no_grad())
                {
                    // the cumulative sum of the codes before the slot (slot 0's row is ignored); without
                    // the cache, those of every slot up to d
                    var slotInput = useCache ? chosen.unsqueeze(1) : torch.cat([zeroRow, vectors.narrow(1, 0, d).cumsum(1)], 1);
                    logits = ClassifierFreeGuidance.Run((c, n) =>
                        {
                            var all = network.Depth(context, ClassifierFreeGuidance.Repeat(slotInput, n), useCache ? d : 0, (n == 1 ? encoded1 : encoded2).Vector, depthCache);
                            return new TokenLogits(all.Logits.narrow(1, all.Logits.shape[1] - 1, 1).squeeze(1));
                        }, cond, w, ref passes, alwaysDouble: guided);
                    calls++;
                }
                var (drawn, _) = TokenDraw.Sample(logits.Logits, settings.TokenTemperature, settings.TopK, settings.TopP, generator);   // [B]
                var keep = startDepth > d;
                var code = torch.where(keep, position.select(1, d), drawn);
                position.select(1, d).copy_(code);
                var vector = quantizer.Codebooks[d].index_select(0, code);
                vectors.select(1, d).copy_(vector);
                chosen.add_(vector);
            }
        }
        if (valid is not null) idx = idx * valid.unsqueeze(-1).to(ScalarType.Int64);
        return new SampleResult(idx.MoveToOuterDisposeScope(), calls, passes, []);
    }
}
