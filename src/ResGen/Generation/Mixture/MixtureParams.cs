using ResGen.Conditioning;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.Mixture;

/// <summary>
/// A mixture of M diagonal Gaussians over a d_z-dimensional vector, per position.
/// Logits [B, L, M]; means and log standard deviations [B, L, M, d_z].
/// </summary>
public sealed record MixtureParams(Tensor Logits, Tensor Means, Tensor LogScales) : IGuidable<MixtureParams>
{
    public long Components => Logits.shape[^1];

    /// <summary>Rows for the positions selected by a flat index [N] over B·L.</summary>
    public MixtureParams Select(Tensor flatIndex)
    {
        long m = Logits.shape[^1], d = Means.shape[^1];
        return new(Logits.reshape(-1, m).index_select(0, flatIndex),
                   Means.reshape(-1, m, d).index_select(0, flatIndex),
                   LogScales.reshape(-1, m, d).index_select(0, flatIndex));
    }

    /// <summary>log π_m + log N(z; μ_m, σ_m²) for each component: [.., M], z [.., d_z].</summary>
    public Tensor JointLogLikelihood(Tensor z)
    {
        var diff = (z.unsqueeze(-2) - Means) * torch.exp(-LogScales);
        var logN = -0.5 * diff.pow(2).sum(-1) - LogScales.sum(-1) - 0.5 * Means.shape[^1] * Math.Log(2 * Math.PI);
        return functional.log_softmax(Logits, -1) + logN;
    }

    public MixtureParams Rows(long start, long count)
        => new(Logits.narrow(0, start, count), Means.narrow(0, start, count), LogScales.narrow(0, start, count));

    /// <summary>
    /// Classifier-free guidance on a mixture (the paper is silent on it): logits and means move to
    /// cond + w·(cond − uncond); the scales stay conditional.
    /// </summary>
    public MixtureParams Guide(MixtureParams unconditional, float w)
        => w == 0 ? this : new(Logits + w * (Logits - unconditional.Logits), Means + w * (Means - unconditional.Means), LogScales);

    /// <summary>The same mixture in float32 (loss and sampling maths run in fp32 whatever the network's dtype).</summary>
    public MixtureParams Float32()
        => new(Logits.to(ScalarType.Float32), Means.to(ScalarType.Float32), LogScales.to(ScalarType.Float32));
}
