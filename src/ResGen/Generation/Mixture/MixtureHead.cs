using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.Mixture;

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
