using ResGen.Conditioning;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.Mixture;

/// <summary>
/// A mixture of M diagonal Gaussians over a d_z-dimensional vector, per position.
/// Logits [B, L, M]; means and log standard deviations [B, L, M, d_z]. A guided mixture also carries
/// the unconditional mixture and the weight w: how the two combine is the draw's business (see
/// <see cref="MixtureGuidance"/>), because the principled combination is not itself a mixture.
/// A mixture from the affine head (<see cref="AffineComponents"/>) keeps its components in factored
/// form: its log-likelihood never builds the [B, L, M, d_z] tensors, which are made only when read.
/// </summary>
public sealed record MixtureParams : IGuidable<MixtureParams>
{
    Tensor? means, logScales;

    public MixtureParams(Tensor logits, Tensor means, Tensor logScales, MixtureParams? unconditional = null, float guidanceWeight = 0f)
    {
        Logits = logits;
        this.means = means;
        this.logScales = logScales;
        Unconditional = unconditional;
        GuidanceWeight = guidanceWeight;
    }

    /// <summary>A mixture whose components are the affine head's shared prototypes moved and scaled per position.</summary>
    public MixtureParams(Tensor logits, AffineComponents affine)
    {
        Logits = logits;
        Affine = affine;
    }

    public Tensor Logits { get; init; }
    /// <summary>The factored components of the affine head; null for a mixture given by its means and scales.</summary>
    public AffineComponents? Affine { get; init; }
    /// <summary>Component means [.., M, d_z] (made from <see cref="Affine"/> on first read).</summary>
    public Tensor Means => means ??= Affine!.Means();
    /// <summary>Component log standard deviations [.., M, d_z] (made from <see cref="Affine"/> on first read).</summary>
    public Tensor LogScales => logScales ??= Affine!.LogScales();
    public MixtureParams? Unconditional { get; init; }
    public float GuidanceWeight { get; init; }

    public long Components => Logits.shape[^1];

    /// <summary>The same mixture with its vectors in other units: means times <paramref name="unit"/>, log scales plus its log; unit [..] per position, or [1].</summary>
    public MixtureParams Scaled(Tensor unit)
    {
        bool perPosition = unit.dim() == Logits.dim() - 1;
        if (Affine is { } a) return new MixtureParams(Logits, a.Scaled(perPosition ? unit.unsqueeze(-1) : unit));
        var u = perPosition ? unit.unsqueeze(-1).unsqueeze(-1) : unit;
        return new MixtureParams(Logits, Means * u, LogScales + u.log());
    }

    /// <summary>The mean and log standard deviation [.., d_z] of one chosen component per position [..] (the affine head picks them without making all M).</summary>
    public (Tensor Mean, Tensor LogScale) Component(Tensor index)
    {
        if (Affine is { } a) return a.Component(index);
        long d = Means.shape[^1];
        var at = index.unsqueeze(-1).unsqueeze(-1).expand([.. index.shape, 1, d]);
        return (Means.gather(-2, at).squeeze(-2), LogScales.gather(-2, at).squeeze(-2));
    }

    /// <summary>Rows for the positions selected by a flat index [N] over B·L.</summary>
    public MixtureParams Select(Tensor flatIndex)
    {
        long m = Logits.shape[^1];
        var logits = Logits.reshape(-1, m).index_select(0, flatIndex);
        if (Affine is { } a) return new MixtureParams(logits, a.Select(flatIndex)) { Unconditional = Unconditional?.Select(flatIndex), GuidanceWeight = GuidanceWeight };
        long d = Means.shape[^1];
        return new(logits, Means.reshape(-1, m, d).index_select(0, flatIndex), LogScales.reshape(-1, m, d).index_select(0, flatIndex),
                   Unconditional?.Select(flatIndex), GuidanceWeight);
    }

    /// <summary>log π_m + log N(z; μ_m, σ_m²) for each component: [.., M], z [.., d_z].</summary>
    public Tensor JointLogLikelihood(Tensor z)
    {
        var logPi = functional.log_softmax(Logits, -1);
        if (Affine is { } a) return logPi + a.LogNormal(z);
        var diff = (z.unsqueeze(-2) - Means) * torch.exp(-LogScales);
        var logN = -0.5 * diff.pow(2).sum(-1) - LogScales.sum(-1) - 0.5 * Means.shape[^1] * Math.Log(2 * Math.PI);
        return logPi + logN;
    }

    public MixtureParams Rows(long start, long count)
        => Affine is { } a
            ? new MixtureParams(Logits.narrow(0, start, count), a.Rows(start, count)) { Unconditional = Unconditional?.Rows(start, count), GuidanceWeight = GuidanceWeight }
            : new(Logits.narrow(0, start, count), Means.narrow(0, start, count), LogScales.narrow(0, start, count),
                  Unconditional?.Rows(start, count), GuidanceWeight);

    /// <summary>
    /// Classifier-free guidance on a mixture (the paper is silent on it): this conditional mixture
    /// keeps <paramref name="unconditional"/> and w; <see cref="MixtureGuidance"/> combines them when a
    /// component is drawn.
    /// </summary>
    public MixtureParams Guide(MixtureParams unconditional, float w)
        => w == 0 ? this : this with { Unconditional = unconditional with { Unconditional = null, GuidanceWeight = 0f }, GuidanceWeight = w };

    /// <summary>The same mixture in float32 (loss and sampling maths run in fp32 whatever the network's dtype).</summary>
    public MixtureParams Float32()
        => Affine is { } a
            ? new MixtureParams(Logits.to(ScalarType.Float32), a.Float32()) { Unconditional = Unconditional?.Float32(), GuidanceWeight = GuidanceWeight }
            : new(Logits.to(ScalarType.Float32), Means.to(ScalarType.Float32), LogScales.to(ScalarType.Float32), Unconditional?.Float32(), GuidanceWeight);

    /// <summary>
    /// log p(z) under this mixture (guidance ignored) at Q points per row: z [.., Q, d_z] → [.., Q].
    /// The squared distances are expanded into two batched matrix products, so no [Q, M, d] difference
    /// tensor is made; points and means are first shifted by <paramref name="centre"/> [.., d_z] (e.g.
    /// the points' mean), which keeps the expansion's cancellation small in float32.
    /// </summary>
    public Tensor LogDensity(Tensor z, Tensor? centre = null)
    {
        long m = Logits.shape[^1], d = Means.shape[^1], q = z.shape[^2];
        var lead = z.shape[..^2];
        var mu = Means.reshape(-1, m, d);
        var logS = LogScales.reshape(-1, m, d);
        var x = z.reshape(-1, q, d);
        if (centre is not null)
        {
            var c = centre.reshape(-1, 1, d);
            (x, mu) = (x - c, mu - c);
        }
        var inv = (-2 * logS).exp();                                                   // 1/σ² [N, M, d]
        var quad = torch.bmm(x * x, inv.transpose(1, 2)) - 2 * torch.bmm(x, (mu * inv).transpose(1, 2))
                   + (mu * mu * inv).sum(-1).unsqueeze(1);                             // [N, Q, M]
        var logN = -0.5 * quad.clamp_min(0) - logS.sum(-1).unsqueeze(1) - 0.5 * d * Math.Log(2 * Math.PI);
        var logPi = functional.log_softmax(Logits.reshape(-1, m), -1).unsqueeze(1);
        return torch.logsumexp(logPi + logN, -1).reshape([.. lead, q]);
    }
}
