using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.Mixture;

/// <summary>
/// Output head for many components: a low-rank projection (width → rank) gives each position the
/// logits of M components and the affine parameters (shift and per-dimension log gain) that move a set of
/// M learned prototypes (means and log scales) into place (see <see cref="AffineComponents"/>). The
/// per-position outputs are M + 2·d_z instead of M·(1 + 2·d_z), so M can be in the thousands.
/// </summary>
public sealed class AffineMixtureHead : Module<Tensor, MixtureParams>
{
    readonly Linear down, logits, shift, gain;
    readonly Parameter prototypes, prototype_log_scales;

    public AffineMixtureHead(int width, int rank, int components, int codeDim) : base("head")
    {
        down = Linear(width, rank, hasBias: false);
        logits = Linear(rank, components);
        shift = Linear(rank, codeDim);
        gain = Linear(rank, codeDim);
        prototypes = Parameter(torch.randn(components, codeDim));
        prototype_log_scales = Parameter(torch.full(components, codeDim, -1f));
        RegisterComponents();
    }

    /// <summary>Log gains are squashed smoothly into (−7, 3), prototype log scales into (−3, 3).</summary>
    public override MixtureParams forward(Tensor h)
    {
        var u = down.forward(h);
        var logGain = -2f + 5f * torch.tanh((gain.forward(u) + 2f) / 5f);
        var protoLogScales = 3f * torch.tanh(prototype_log_scales / 3f);
        return new MixtureParams(logits.forward(u), new AffineComponents(shift.forward(u), logGain, prototypes, protoLogScales));
    }
}
