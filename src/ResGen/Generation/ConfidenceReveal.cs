using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// The reveal step shared by the masked samplers (ResGen and the token-wise model): candidate
/// tokens for every depth get a confidence score; Gumbel noise of an annealed temperature is added;
/// visible tokens score +∞; scores are made non-increasing with depth inside a position (so the kept
/// tokens always form a coarse prefix); the best tokens are kept so that exactly n_t stay masked.
/// </summary>
public sealed class ConfidenceReveal
{
    readonly long[] unknown;
    readonly int[][] schedules;
    readonly int positions, depth;

    /// <summary>
    /// Plans T steps for the tokens not yet visible (<paramref name="visible"/> [B, L]: known depths per
    /// position). With nothing known in advance (<paramref name="nothingKnown"/>) every example has L·D
    /// tokens to generate and the plan is made without reading <paramref name="visible"/> back from the
    /// device; else its counts are read once, before the first step.
    /// </summary>
    public ConfidenceReveal(Tensor visible, int depth, int steps, string schedule, bool nothingKnown = false)
    {
        positions = (int)visible.shape[1];
        this.depth = depth;
        unknown = nothingKnown
            ? Enumerable.Repeat((long)positions * depth, (int)visible.shape[0]).ToArray()
            : (depth - visible).sum(1).cpu().data<long>().ToArray();   // host: once, before the first step
        var todo = unknown.Where(u => u > 0).ToArray();
        if (todo.Length > 0 && steps > todo.Min())
            throw new UserErrorException($"steps ({steps}) cannot exceed the number of tokens to generate ({todo.Min()}).");
        schedules = unknown.Select(u => u == 0 ? new int[steps] : MaskSchedule.SamplingCounts(schedule, steps, (int)u)).ToArray();
    }

    /// <summary>True when every token of every example is already known.</summary>
    public bool Nothing => unknown.All(u => u == 0);

    /// <summary>Tokens each example still has masked before step t (1-based): n_{t−1}, or all unknown ones at t = 1 (known on the host).</summary>
    long[] MaskedBefore(int t) => t == 1 ? unknown : schedules.Select(s => (long)s[t - 2]).ToArray();

    /// <summary>Most tokens any example still has masked before step t (1-based).</summary>
    public long MostMaskedBefore(int t) => MaskedBefore(t).Max();

    /// <summary>Tokens still masked before step t (1-based), summed over the batch (no device read).</summary>
    public long TotalMaskedBefore(int t) => MaskedBefore(t).Sum();

    /// <summary>Share of the tokens to generate that were revealed before step t (1-based).</summary>
    public double RevealedBefore(int t) => 1.0 - (double)TotalMaskedBefore(t) / Math.Max(1, unknown.Sum());

    /// <summary>
    /// Step t (1-based): from candidate scores [B, L, D] (log-probabilities, higher = surer) and the
    /// visible depths [B, L], returns the visible depths after the step [B, L].
    /// </summary>
    public Tensor Reveal(int t, Tensor score, Tensor visible, float temperature, Generator generator)
    {
        var device = score.device;
        long b = score.shape[0];
        if (temperature > 0)
        {
            var u = RandomDraw.Rand(score.shape, generator, device).clamp(1e-10, 1 - 1e-7);
            score = score + temperature * -(-u.log()).log();
        }
        // visible depths are +∞ before the running minimum, so what they scored never caps a masked depth
        var isVisible = torch.arange(depth, device: device) < visible.unsqueeze(-1);
        score = torch.where(isVisible, torch.full_like(score, double.PositiveInfinity), score);
        score = score.cummin(-1).values;

        // Keep the best (L·D − n_t) tokens of each example; re-mask the rest. A top-k of the largest
        // count does it (sorted only when the counts differ between examples), not a sort and an argsort.
        var counts = schedules.Select(s => (long)positions * depth - s[t - 1]).ToArray();
        long most = counts.Max();
        var flat = score.reshape(b, -1);
        Tensor keep;
        if (counts.All(c => c == flat.shape[1])) keep = torch.ones_like(flat, dtype: ScalarType.Bool);
        else
        {
            bool same = counts.All(c => c == most);
            var top = flat.topk((int)most, dim: 1, largest: true, sorted: !same).indexes;
            var chosen = same
                ? torch.ones_like(top, dtype: ScalarType.Bool)
                : torch.arange(most, device: device).unsqueeze(0) < torch.tensor(counts, device: device).unsqueeze(1);
            keep = torch.zeros_like(flat, dtype: ScalarType.Bool).scatter(1, top, chosen);
        }
        keep = keep.reshape(b, positions, depth);
        return keep.sum(-1, type: ScalarType.Int64).maximum(visible);
    }
}
