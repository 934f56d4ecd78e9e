using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation.Mixture;

/// <summary>
/// The components of the affine mixture head in factored form: M prototypes shared by every position
/// (means P [M, d_z] and log scales S [M, d_z]), moved and scaled per position by a shift b [.., d_z]
/// and a log gain g [.., d_z]: component m has mean b + e^g ⊙ P_m and log standard deviation g + S_m.
/// So the per-position parameters do not grow with M, and the log-likelihood of a target is a pair of
/// [N, d_z] × [d_z, M] products (no [N, M, d_z] tensor).
/// </summary>
public sealed record AffineComponents(Tensor Shift, Tensor LogGain, Tensor Prototypes, Tensor PrototypeLogScales)
{
    /// <summary>Means [.., M, d_z].</summary>
    public Tensor Means() => Shift.unsqueeze(-2) + LogGain.exp().unsqueeze(-2) * Prototypes;

    /// <summary>Log standard deviations [.., M, d_z].</summary>
    public Tensor LogScales() => LogGain.unsqueeze(-2) + PrototypeLogScales;

    /// <summary>log N(z; μ_m, σ_m²) for every component: z [.., d_z] → [.., M].</summary>
    public Tensor LogNormal(Tensor z)
    {
        long d = Prototypes.shape[1], m = Prototypes.shape[0];
        var lead = z.shape[..^1];
        var y = ((z - Shift) * (-LogGain).exp()).reshape(-1, d);                         // the target in the prototypes' frame [N, d]
        var inv = (-2 * PrototypeLogScales).exp();                                       // [M, d]
        var quad = (y * y).matmul(inv.t()) - 2 * y.matmul((Prototypes * inv).t()) + (Prototypes * Prototypes * inv).sum(1);   // [N, M]
        var logDet = LogGain.reshape(-1, d).sum(1, keepdim: true) + PrototypeLogScales.sum(1);                                 // [N, M]
        var logN = -0.5 * quad.clamp_min(0) - logDet - 0.5 * d * Math.Log(2 * Math.PI);
        return logN.reshape([.. lead, m]);
    }

    /// <summary>The mean and log standard deviation of one chosen component per position: index [..] → ([.., d_z], [.., d_z]).</summary>
    public (Tensor Mean, Tensor LogScale) Component(Tensor index)
    {
        var flat = index.reshape(-1);
        var lead = index.shape;
        long d = Prototypes.shape[1];
        var p = Prototypes.index_select(0, flat).reshape([.. lead, d]);
        var s = PrototypeLogScales.index_select(0, flat).reshape([.. lead, d]);
        return (Shift + LogGain.exp() * p, LogGain + s);
    }

    /// <summary>The same components in other units: shift times <paramref name="unit"/>, log gain plus its log (unit broadcasts against [.., d_z]).</summary>
    public AffineComponents Scaled(Tensor unit) => this with { Shift = Shift * unit, LogGain = LogGain + unit.log() };

    public AffineComponents Select(Tensor flatIndex)
    {
        long d = Shift.shape[^1];
        return this with { Shift = Shift.reshape(-1, d).index_select(0, flatIndex), LogGain = LogGain.reshape(-1, d).index_select(0, flatIndex) };
    }

    public AffineComponents Rows(long start, long count) => this with { Shift = Shift.narrow(0, start, count), LogGain = LogGain.narrow(0, start, count) };

    public AffineComponents Float32() => new(Shift.to(ScalarType.Float32), LogGain.to(ScalarType.Float32), Prototypes.to(ScalarType.Float32), PrototypeLogScales.to(ScalarType.Float32));
}
