using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.Mixture;

/// <summary>One vector drawn per position from a mixture, with what the samplers score it by.</summary>
/// <param name="LogProb">Log-probability of the chosen component after top-p filtering [..].</param>
/// <param name="Vector">The chosen component's mean, or a draw from it [.., d_z].</param>
/// <param name="Variance">The chosen component's mean variance over dimensions [..] (scale of the re-quantization scores).</param>
public sealed record MixtureDraw(Tensor LogProb, Tensor Vector, Tensor Variance);

/// <summary>
/// Sampling from a mixture per position: a top-p (nucleus) filtered draw of one component, then
/// its mean (draw scale 0) or a draw from it with its scale times s. Shared by ResGen and AR-ResGen.
/// </summary>
public static class ComponentDraw
{
    public static MixtureDraw Draw(MixtureParams p, float topP, float drawScale, Generator generator)
    {
        var f = p.Float32();
        var (logPi, comp) = ChooseComponent(f.Logits, topP, generator);
        var shape = comp.shape;
        long d = f.Means.shape[^1];
        var gatherIdx = comp.unsqueeze(-1).unsqueeze(-1).expand([.. shape, 1, d]);
        var mean = f.Means.gather(-2, gatherIdx).squeeze(-2);
        var logScale = f.LogScales.gather(-2, gatherIdx).squeeze(-2);
        var z = drawScale > 0
            ? mean + drawScale * logScale.exp() * torch.randn(mean.shape, generator: generator, device: mean.device)
            : mean;
        return new MixtureDraw(logPi, z, (2 * logScale).exp().mean([-1]));
    }

    /// <summary>Top-p filtered draw of one component per row: (log-probability after filtering, index), both [..].</summary>
    public static (Tensor LogProb, Tensor Index) ChooseComponent(Tensor logits, float topP, Generator generator)
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
}
