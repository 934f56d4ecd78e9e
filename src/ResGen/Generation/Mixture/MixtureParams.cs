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
/// </summary>
public sealed record MixtureParams(Tensor Logits, Tensor Means, Tensor LogScales, MixtureParams? Unconditional = null, float GuidanceWeight = 0f)
    : IGuidable<MixtureParams>
{
    public long Components => Logits.shape[^1];

    /// <summary>Rows for the positions selected by a flat index [N] over B·L.</summary>
    public MixtureParams Select(Tensor flatIndex)
    {
        long m = Logits.shape[^1], d = Means.shape[^1];
        return new(Logits.reshape(-1, m).index_select(0, flatIndex),
                   Means.reshape(-1, m, d).index_select(0, flatIndex),
                   LogScales.reshape(-1, m, d).index_select(0, flatIndex),
                   Unconditional?.Select(flatIndex), GuidanceWeight);
    }

    /// <summary>log π_m + log N(z; μ_m, σ_m²) for each component: [.., M], z [.., d_z].</summary>
    public Tensor JointLogLikelihood(Tensor z)
    {
        var diff = (z.unsqueeze(-2) - Means) * torch.exp(-LogScales);
        var logN = -0.5 * diff.pow(2).sum(-1) - LogScales.sum(-1) - 0.5 * Means.shape[^1] * Math.Log(2 * Math.PI);
        return functional.log_softmax(Logits, -1) + logN;
    }

    public MixtureParams Rows(long start, long count)
        => new(Logits.narrow(0, start, count), Means.narrow(0, start, count), LogScales.narrow(0, start, count),
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
        => new(Logits.to(ScalarType.Float32), Means.to(ScalarType.Float32), LogScales.to(ScalarType.Float32), Unconditional?.Float32(), GuidanceWeight);

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
