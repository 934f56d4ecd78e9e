using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens;

/// <summary>How often greedy re-quantization of the exact masked sum, masked from depth <see cref="Start"/> on, returns the original codes.</summary>
/// <param name="Start">The first masked depth (0-based).</param>
/// <param name="FirstDepth">Share of positions whose first masked depth comes back.</param>
/// <param name="AllDepths">Share of positions whose masked depths all come back.</param>
public sealed record OracleRecovery(int Start, double FirstDepth, double AllDepths);

/// <summary>Tokens re-encoded from their code sums (see <see cref="GreedyConsistency.Reencode"/>).</summary>
public sealed record ConsistentTokens(Tensor Indices, int Rounds, double ChangedShare, double UnsettledShare, double SumShift);

/// <summary>
/// Token grids whose masked sums re-quantize to themselves. A tokenizer encodes latents greedily, and
/// the latent still holds the final residual, so greedy re-quantization of the code sum of a position's
/// masked depths (what ResGen learns to predict) need not return those codes: even a perfect generator
/// would then write other codes. Re-encoding each position from its own code sum, until nothing changes,
/// gives tokens for which it always does (at a fixed point the sum from any depth on re-quantizes to the
/// same codes, because greedy encoding of the full sum passes through exactly that residual).
/// </summary>
public static class GreedyConsistency
{
    const int Chunk = 32_768;

    /// <summary>
    /// Re-encodes positions [.., D] greedily from their own code sums until every position is a fixed point or
    /// <paramref name="maxRounds"/> rounds have run (a few positions can cycle between two encodings). Returns
    /// the new indices (same shape and dtype, on the CPU), the rounds run, the share of tokens that changed,
    /// the share of positions still unsettled (changed by the last round) and how far the decoded sums moved
    /// (root mean square over dimensions, in latent units).
    /// </summary>
    public static ConsistentTokens Reencode(ResidualVectorQuantizer quantizer, Tensor indices, int maxRounds = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRounds);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var requantizer = new Requantizer(quantizer);
        int depth = quantizer.Depth;
        var device = quantizer.Codebooks.device;
        var original = indices.reshape(-1, depth).to(ScalarType.Int64).cpu();
        var current = original.clone();
        long positions = current.shape[0];
        int rounds = 0;
        // a position that re-encodes to itself is a fixed point for good: each round works on the others only
        var active = torch.arange(positions, dtype: ScalarType.Int64);
        while (rounds < maxRounds && active.shape[0] > 0)
        {
            rounds++;
            var moving = new List<Tensor>();
            for (long s = 0; s < active.shape[0]; s += Chunk)
            {
                using var inner = torch.NewDisposeScope();
                var at = active.narrow(0, s, Math.Min(Chunk, active.shape[0] - s));
                var part = current.index_select(0, at).to(device);
                var start = torch.zeros(at.shape[0], ScalarType.Int64, device: device);
                var (again, _) = requantizer.Requantize(part, start, quantizer.Decode(part));
                var differ = again.ne(part).any(1).cpu();
                current.index_copy_(0, at, again.cpu());
                moving.Add(at.masked_select(differ).DetachFromDisposeScope());
            }
            active = moving.Count == 0 ? active.narrow(0, 0, 0) : torch.cat(moving);
        }
        double share = current.ne(original).to(ScalarType.Float64).mean().item<double>();
        double shift = 0;
        for (long s = 0; s < positions; s += Chunk)
        {
            using var inner = torch.NewDisposeScope();
            long n = Math.Min(Chunk, positions - s);
            var moved = quantizer.Decode(current.narrow(0, s, n).to(device)) - quantizer.Decode(original.narrow(0, s, n).to(device));
            shift += moved.to(ScalarType.Float64).pow(2).sum().item<double>();
        }
        shift = Math.Sqrt(shift / Math.Max(1, positions * quantizer.CodeDim));
        var result = current.reshape(indices.shape).to(indices.dtype).MoveToOuterDisposeScope();
        return new ConsistentTokens(result, rounds, share, active.shape[0] / (double)Math.Max(1, positions), shift);
    }

    /// <summary>
    /// For every first masked depth s = 0..D−1: how often greedy re-quantization of the exact code sum of
    /// depths s..D−1 returns the first masked code, and all masked codes (over the positions of
    /// <paramref name="indices"/> [.., D]). A generator that predicts masked sums exactly cannot do better.
    /// </summary>
    public static IReadOnlyList<OracleRecovery> Recovery(ResidualVectorQuantizer quantizer, Tensor indices)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var requantizer = new Requantizer(quantizer);
        int depth = quantizer.Depth;
        var device = quantizer.Codebooks.device;
        var flat = indices.reshape(-1, depth).to(ScalarType.Int64);
        long total = flat.shape[0];
        var first = new long[depth];
        var all = new long[depth];
        for (long s = 0; s < total; s += Chunk)
        {
            using var inner = torch.NewDisposeScope();
            long n = Math.Min(Chunk, total - s);
            var part = flat.narrow(0, s, n).to(device);
            for (int start = 0; start < depth; start++)
            {
                var from = torch.full(n, start, ScalarType.Int64, device: device);
                var (_, masked) = quantizer.EmbedSplit(part, from);
                var (again, _) = requantizer.Requantize(part, from, masked);
                var same = again.eq(part);
                first[start] += same[.., start].sum().item<long>();
                all[start] += same.all(1).sum().item<long>();
            }
        }
        return [.. Enumerable.Range(0, depth).Select(j => new OracleRecovery(j, first[j] / (double)Math.Max(total, 1), all[j] / (double)Math.Max(total, 1)))];
    }
}
