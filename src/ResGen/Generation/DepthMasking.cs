using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// The forward (masking) process of ResGen. A draw r ~ U[0,1) gives n = ⌈γ(r)·L·D⌉ tokens to
/// mask; n cells of the L×D grid are picked uniformly without replacement, so that the per-position
/// counts k_i follow the multivariate hypergeometric law; at each position the k_i finest depths
/// are masked (a visible coarse prefix, a masked fine suffix). Optionally (not in the paper) a share
/// of the examples is masked whole positions at a time instead: ⌈γ(r)·L⌉ random positions lose all D
/// depths. Under the hypergeometric law a position is wholly masked with probability ≈ γ^D, which for
/// D = 32 means almost only at γ ≈ 1, so a deep model rarely learns to predict a position from nothing,
/// the state every sampled position starts in.
/// </summary>
public static class DepthMasking
{
    /// <summary>
    /// Masked counts per position [B, L] (int64) for one random masking level per example. With
    /// <paramref name="lengths"/> [B], only the first length_b positions of example b take part
    /// (n = ⌈γ(r)·length_b·D⌉ of its cells); padded positions get 0. <paramref name="maskable"/> [B, L]
    /// (overrides the lengths) names the positions that take part, e.g. the real ones after a prompt.
    /// A share <paramref name="wholePositions"/> of the examples masks whole positions instead (⌈γ(r)·L⌉ of them, all depths).
    /// </summary>
    public static Tensor SampleCounts(long batch, int positions, int depth, string schedule, Generator? generator, Device? device = null,
        Tensor? lengths = null, Tensor? maskable = null, double wholePositions = 0)
    {
        using var scope = torch.NewDisposeScope();
        // random numbers come from the generator (on the CPU) and are copied to the device; no host synchronisation
        var r = RandomDraw.Rand([batch], generator, device ?? torch.CPU, ScalarType.Float64);
        var valid = maskable?.to(r.device) ?? (lengths is null ? null : TokenBatch.ValidMask(lengths.to(r.device), positions));
        var total = valid is null
            ? torch.full(batch, (double)positions * depth, ScalarType.Float64, device: device)
            : valid.sum(1).to(ScalarType.Float64) * depth;
        var gamma = MaskSchedule.Gamma(schedule, r);
        var n = (gamma * total - 1e-9).ceil().clamp_min(1).minimum(total).to(ScalarType.Int64);
        var k = HypergeometricCounts(n, positions, depth, generator, valid);
        if (wholePositions <= 0) return k.MoveToOuterDisposeScope();
        var whole = RandomDraw.Rand([batch], generator, device ?? torch.CPU, ScalarType.Float64) < wholePositions;
        var m = (gamma * (total / depth) - 1e-9).ceil().clamp_min(1).minimum(total / depth).to(ScalarType.Int64);
        var byPosition = HypergeometricCounts(m, positions, 1, generator, valid) * depth;
        return torch.where(whole.unsqueeze(1), byPosition, k).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Masked counts [B, L] of the sampler's start state: all D depths at every position that takes part
    /// (<paramref name="maskable"/>, else the first length_b, else all), 0 elsewhere.
    /// </summary>
    public static Tensor WholeCounts(long batch, int positions, int depth, Device device, Tensor? lengths = null, Tensor? maskable = null)
    {
        var valid = maskable?.to(device) ?? (lengths is null ? torch.ones(batch, positions, ScalarType.Bool, device: device) : TokenBatch.ValidMask(lengths.to(device), positions));
        return valid.to(ScalarType.Int64) * depth;
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
        var keys = RandomDraw.Rand([batch, total], generator, n.device);
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
