using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation.Mixture;

/// <summary>One vector drawn per position from a mixture, with what the samplers score it by.</summary>
/// <param name="LogProb">Log-probability of the chosen component after guidance and top-p filtering [..].</param>
/// <param name="Vector">The chosen component's mean, or a draw from it [.., d_z].</param>
/// <param name="Variance">The chosen component's mean variance over dimensions [..] (scale of the re-quantization scores).</param>
public sealed record MixtureDraw(Tensor LogProb, Tensor Vector, Tensor Variance);

/// <summary>
/// Sampling from a (guided) mixture per position: a top-p (nucleus) filtered draw of one component,
/// then its mean (draw scale 0) or a draw from it with its scale times s. Shared by ResGen and AR-ResGen.
/// </summary>
public static class ComponentDraw
{
    /// <param name="guidance">How a guided mixture's two passes combine (<see cref="MixtureGuidance"/>); unused without guidance.</param>
    public static MixtureDraw Draw(MixtureParams p, float topP, float drawScale, Generator generator, string guidance)
    {
        var (logProbs, components) = MixtureGuidance.Resolve(p, guidance, topP);
        var (logPi, comp) = Choose(logProbs, generator);
        var (mean, logScale) = components.Component(comp);
        var z = drawScale > 0
            ? mean + drawScale * logScale.exp() * RandomDraw.Randn(mean.shape, generator, mean.device)
            : mean;
        return new MixtureDraw(logPi, z, (2 * logScale).exp().mean([-1]));
    }

    /// <summary>One draw per row from log-probabilities [.., M] (−∞ allowed): (its log-probability, its index).</summary>
    static (Tensor LogProb, Tensor Index) Choose(Tensor logProbs, Generator generator)
    {
        var lead = logProbs.shape[..^1];
        long m = logProbs.shape[^1];
        var flat = logProbs.reshape(-1, m);
        var choice = RandomDraw.Multinomial(flat.exp(), 1, generator);           // [N, 1]
        var logp = flat.gather(1, choice);
        return (logp.reshape(lead), choice.reshape(lead));
    }
}
