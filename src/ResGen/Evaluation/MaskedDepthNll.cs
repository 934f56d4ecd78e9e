using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>
/// ResGen's NLL at the positions with <see cref="MaskedDepths"/> masked tokens (per latent dimension),
/// and the mean log-scale of the component that explains each target best: where a mixture model's
/// likelihood is earned. A target of few fine depths is one of a few exact code sums, so a model can
/// lower its NLL there by narrowing its Gaussians; the coarse structure lives at many masked depths.
/// </summary>
public sealed record MaskedDepthNll(int MaskedDepths, long Positions, double Nll, double LogScale);

/// <summary>Validation NLL of a ResGen model split by the number of masked depths per position (the diffusion "loss per noise level").</summary>
public static class MaskedDepthNlls
{
    /// <summary>
    /// Masks <paramref name="tokens"/> as training does (<paramref name="repeats"/> draws from <paramref name="seed"/>),
    /// runs the network once per draw in evaluation mode and groups every scored position by its masked count k = 1..D.
    /// </summary>
    public static IReadOnlyList<MaskedDepthNll> Measure(ResGenModel model, TokenBatch tokens, Condition condition, long seed, int repeats = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        int depth = model.Layout.Depth;
        var nll = new double[depth + 1];
        var logScale = new double[depth + 1];
        var count = new long[depth + 1];
        bool training = model.Module.training;
        model.Module.eval();
        try
        {
            using var _ = torch.no_grad();
            var indices = tokens.Indices;
            var device = indices.device;
            for (int r = 0; r < repeats; r++)
            {
                using var scope = torch.NewDisposeScope();
                using var g = new torch.Generator((ulong)(seed + (1000003L * r)), device);
                var k = DepthMasking.SampleCounts(indices.shape[0], (int)indices.shape[1], depth, model.Network.Model.Schedule, g, device,
                    tokens.Lengths, null, model.Network.Model.WholePositionShare);
                var (prefix, target) = model.Quantizer.EmbedSplit(indices, depth - k);
                var p = model.Network.forward(prefix, k, tokens.Valid, condition, g).Float32();
                var joint = p.JointLogLikelihood(target.to(ScalarType.Float32));                       // [B, L, M]
                var positionNll = -torch.logsumexp(joint, -1) / target.shape[^1];                         // [B, L]
                long m = p.Logits.shape[^1], d = p.Means.shape[^1];
                var best = joint.argmax(-1, keepdim: true).unsqueeze(-1).expand([.. joint.shape[..^1], 1, d]);
                var bestLogScale = p.LogScales.gather(-2, best).squeeze(-2).mean([-1]);                   // [B, L]
                var byK = torch.nn.functional.one_hot(k, depth + 1).to(ScalarType.Float64);                // [B, L, D+1]
                if (tokens.Valid is { } valid) byK = byK * valid.unsqueeze(-1).to(ScalarType.Float64);
                var counts = byK.sum([0, 1]).cpu().data<double>().ToArray();
                var nllSums = (byK * positionNll.to(ScalarType.Float64).unsqueeze(-1)).sum([0, 1]).cpu().data<double>().ToArray();
                var scaleSums = (byK * bestLogScale.to(ScalarType.Float64).unsqueeze(-1)).sum([0, 1]).cpu().data<double>().ToArray();
                for (int j = 1; j <= depth; j++)
                {
                    count[j] += (long)counts[j];
                    nll[j] += nllSums[j];
                    logScale[j] += scaleSums[j];
                }
            }
        }
        finally
        {
            model.Module.train(training);
        }
        return [.. Enumerable.Range(1, depth).Select(j => new MaskedDepthNll(j, count[j],
            count[j] > 0 ? nll[j] / count[j] : double.NaN, count[j] > 0 ? logScale[j] / count[j] : double.NaN))];
    }
}
