using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation;

/// <summary>
/// A mixture of M diagonal Gaussians over a d_z-dimensional vector, per position.
/// Logits [B, L, M]; means and log standard deviations [B, L, M, d_z].
/// </summary>
public sealed record MixtureParams(Tensor Logits, Tensor Means, Tensor LogScales)
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
}

/// <summary>
/// Output head: a low-rank projection (width → rank → M·(1 + 2·d_z)) of the transformer's
/// features into mixture logits, means and log standard deviations.
/// </summary>
public sealed class MixtureHead : Module<Tensor, MixtureParams>
{
    readonly Linear down, up;
    readonly int components, codeDim;

    public MixtureHead(int width, int rank, int components, int codeDim) : base("head")
    {
        this.components = components;
        this.codeDim = codeDim;
        down = Linear(width, rank, hasBias: false);
        up = Linear(rank, components * (1 + 2 * codeDim));
        RegisterComponents();
    }

    /// <summary>Log standard deviations are squashed smoothly into (−7, 3).</summary>
    public override MixtureParams forward(Tensor h)
    {
        var o = up.forward(down.forward(h));
        var lead = o.shape[..^1];
        var logits = o[.., .., ..components];
        var rest = o[.., .., components..].reshape([.. lead, components, 2, codeDim]);
        var means = rest[.., .., .., 0];
        var logScales = -2f + 5f * torch.tanh(rest[.., .., .., 1] / 5f);
        return new MixtureParams(logits, means, logScales);
    }
}
