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
    /// Masked counts per position [B, L] (int64) for one random masking level per example.
    /// </summary>
    public static Tensor SampleCounts(long batch, int positions, int depth, string schedule, Generator? generator, Device? device = null)
    {
        int total = positions * depth;
        var r = torch.rand(batch, generator: generator, dtype: ScalarType.Float64);
        var n = new long[batch];
        var rs = r.data<double>().ToArray();
        for (int b = 0; b < batch; b++) n[b] = MaskSchedule.TrainingCount(schedule, rs[b], total);
        var nt = torch.tensor(n, device: device);
        return HypergeometricCounts(nt, positions, depth, generator, device);
    }

    /// <summary>
    /// Spreads n_b masked cells [B] over L positions of D cells each, uniformly without
    /// replacement: returns k [B, L] with Σ_i k_bi = n_b and 0 ≤ k_bi ≤ D.
    /// </summary>
    public static Tensor HypergeometricCounts(Tensor n, int positions, int depth, Generator? generator, Device? device = null)
    {
        using var scope = torch.NewDisposeScope();
        long batch = n.shape[0];
        int total = positions * depth;
        // Random ranks of the L·D cells: cell c is masked when its rank is below n_b.
        var keys = torch.rand(batch, total, generator: generator).to(device ?? n.device);
        var ranks = keys.argsort(1).argsort(1);
        var masked = ranks < n.to(ranks.device).unsqueeze(1);
        var k = masked.reshape(batch, positions, depth).sum(2, type: ScalarType.Int64);
        return k.MoveToOuterDisposeScope();
    }

    /// <summary>Boolean mask [B, L, D], true where a depth is masked (j ≥ D − k_i).</summary>
    public static Tensor MaskFromCounts(Tensor k, int depth)
        => torch.arange(depth, device: k.device) >= (depth - k).unsqueeze(-1);
}
