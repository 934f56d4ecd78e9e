using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// The forward (masking) process of ResGen. A draw r ~ U[0,1) gives n = ⌈γ(r)·L·D⌉ tokens to
/// mask; n cells of the L×D grid are picked uniformly without replacement, so that the per-position
/// counts k_i follow the multivariate hypergeometric law; at each position the k_i finest depths
/// are masked (a visible coarse prefix, a masked fine suffix).
/// </summary>
public static class DepthMasking
{
    /// <summary>
    /// Masked counts per position [B, L] (int64) for one random masking level per example. With
    /// <paramref name="lengths"/> [B], only the first length_b positions of example b take part
    /// (n = ⌈γ(r)·length_b·D⌉ of its cells); padded positions get 0. <paramref name="maskable"/> [B, L]
    /// (overrides the lengths) names the positions that take part, e.g. the real ones after a prompt.
    /// </summary>
    public static Tensor SampleCounts(long batch, int positions, int depth, string schedule, Generator? generator, Device? device = null,
        Tensor? lengths = null, Tensor? maskable = null)
    {
        using var scope = torch.NewDisposeScope();
        // random numbers come from the generator's device; no host synchronisation
        var r = torch.rand(batch, dtype: ScalarType.Float64, generator: generator, device: device);
        var valid = maskable?.to(r.device) ?? (lengths is null ? null : TokenBatch.ValidMask(lengths.to(r.device), positions));
        var total = valid is null
            ? torch.full(batch, (double)positions * depth, ScalarType.Float64, device: device)
            : valid.sum(1).to(ScalarType.Float64) * depth;
        var n = (MaskSchedule.Gamma(schedule, r) * total - 1e-9).ceil().clamp_min(1).minimum(total).to(ScalarType.Int64);
        return HypergeometricCounts(n, positions, depth, generator, valid).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Spreads n_b masked cells [B] over L positions of D cells each, uniformly without
    /// replacement: returns k [B, L] with Σ_i k_bi = n_b and 0 ≤ k_bi ≤ D.
    /// </summary>
    /// <param name="valid">[B, L] real positions (null: all); cells of padded positions rank last and are never masked.</param>
    public static Tensor HypergeometricCounts(Tensor n, int positions, int depth, Generator? generator, Tensor? valid = null)
    {
        using var scope = torch.NewDisposeScope();
        long batch = n.shape[0];
        int total = positions * depth;
        // Random ranks of the L·D cells: cell c is masked when its rank is below n_b.
        var keys = torch.rand(batch, total, generator: generator, device: n.device);
        if (valid is not null)
            keys = torch.where(valid.unsqueeze(-1).expand(batch, positions, depth).reshape(batch, total), keys, torch.full_like(keys, 2.0));
        var ranks = keys.argsort(1).argsort(1);
        var masked = ranks < n.to(ranks.device).unsqueeze(1);
        var k = masked.reshape(batch, positions, depth).sum(2, type: ScalarType.Int64);
        return k.MoveToOuterDisposeScope();
    }

    /// <summary>Boolean mask [B, L, D], true where a depth is masked (j ≥ D − k_i).</summary>
    public static Tensor MaskFromCounts(Tensor k, int depth)
        => torch.arange(depth, device: k.device) >= (depth - k).unsqueeze(-1);
}
