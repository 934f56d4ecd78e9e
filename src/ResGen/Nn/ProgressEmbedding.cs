using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Nn;

/// <summary>
/// Embeds how far through its sequence a position lies, a fraction in [0, 1] ([B, n] → [B, n, W]):
/// sines and cosines of π·f·x at geometrically spaced frequencies f, then a linear map. Text-to-speech
/// networks add the same embedding to the phonemes (i + ½)/P and to the speech frames (j + ½)/L, so a
/// frame's attention finds the phonemes spoken at the same relative moment without first having to
/// learn the alignment from scratch — a monotonic prior that makes alignment learnable on a small
/// budget (speaking rate varies inside an utterance, so attention still does the fine alignment).
/// </summary>
public sealed class ProgressEmbedding : nn.Module
{
    readonly Linear proj;
    readonly DeviceConstant frequencies;

    /// <param name="width">Output width W.</param>
    /// <param name="features">Frequencies (each gives a sine and a cosine).</param>
    /// <param name="highest">Highest frequency in half-turns per sequence (resolves about 1/highest of it).</param>
    public ProgressEmbedding(int width, int features = 32, double highest = 256) : base("progress")
    {
        if (features < 1) throw new ArgumentException($"progress features must be at least 1, got {features}");
        if (!(highest >= 1)) throw new ArgumentException($"highest progress frequency must be at least 1, got {highest}");
        proj = Linear(2 * features, width);
        double ratio = features == 1 ? 1 : Math.Pow(highest, 1.0 / (features - 1));
        frequencies = new DeviceConstant(torch.tensor(Enumerable.Range(0, features).Select(i => (float)(Math.PI * Math.Pow(ratio, i))).ToArray()));
        RegisterComponents();
    }

    /// <summary>Fractions [B, n] → [B, n, W].</summary>
    public Tensor forward(Tensor fractions)
    {
        var angles = fractions.to(ScalarType.Float32).unsqueeze(-1) * frequencies.On(fractions.device);
        return proj.forward(torch.cat([angles.sin(), angles.cos()], -1).to(proj.weight!.dtype));
    }

    /// <summary>
    /// (j + ½) / length for positions first..first+n−1 of sequences of the given lengths [B] (int64): [B, n].
    /// Positions past a length get fractions above 1 (they are padding and never read).
    /// </summary>
    public static Tensor Fractions(Tensor lengths, long first, long n)
    {
        var j = torch.arange(first, first + n, dtype: ScalarType.Float32, device: lengths.device).unsqueeze(0) + 0.5f;
        return j / lengths.to(ScalarType.Float32).clamp_min(1).unsqueeze(1);
    }
}
