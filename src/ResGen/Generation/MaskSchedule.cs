namespace ResGen.Generation;

/// <summary>
/// The mask schedule γ: [0, 1] → [0, 1], the share of tokens still masked at time r
/// (γ(0) = 1: everything masked; γ(1) = 0: nothing masked). One function serves training
/// (masked count of a random r) and sampling (masked count after step t of T).
/// </summary>
public static class MaskSchedule
{
    /// <summary>Names accepted by <see cref="Gamma"/>.</summary>
    public static readonly string[] Names = ["cosine", "linear", "square", "cubic", "sqrt"];

    /// <summary>γ(r) for the named schedule.</summary>
    public static double Gamma(string name, double r)
    {
        r = Math.Clamp(r, 0.0, 1.0);
        return name switch
        {
            "cosine" => Math.Cos(Math.PI / 2 * r),
            "linear" => 1 - r,
            "square" => 1 - r * r,
            "cubic" => 1 - r * r * r,
            "sqrt" => 1 - Math.Sqrt(r),
            _ => throw new UserErrorException($"unknown mask schedule '{name}'; choose one of {string.Join(", ", Names)}."),
        };
    }

    /// <summary>γ applied elementwise to a tensor of times r (same formulas as <see cref="Gamma"/>).</summary>
    public static TorchSharp.torch.Tensor Gamma(string name, TorchSharp.torch.Tensor r)
    {
        r = r.clamp(0.0, 1.0);
        return name switch
        {
            "cosine" => TorchSharp.torch.cos(r * (Math.PI / 2)),
            "linear" => 1 - r,
            "square" => 1 - r * r,
            "cubic" => 1 - r * r * r,
            "sqrt" => 1 - r.sqrt(),
            _ => throw new UserErrorException($"unknown mask schedule '{name}'; choose one of {string.Join(", ", Names)}."),
        };
    }

    /// <summary>Throws a <see cref="UserErrorException"/> for an unknown schedule name.</summary>
    public static void Check(string name) => Gamma(name, 0.5);

    /// <summary>
    /// Tokens still masked after each of the T sampling steps: n_t = ⌈γ(t/T)·total⌉, forced to
    /// fall by at least one every step and to end at 0. Requires 1 ≤ T ≤ total.
    /// </summary>
    public static int[] SamplingCounts(string name, int steps, int total)
    {
        if (steps < 1) throw new UserErrorException($"steps must be at least 1, got {steps}.");
        if (steps > total)
            throw new UserErrorException($"steps ({steps}) cannot exceed the number of tokens to generate ({total}).");
        var counts = new int[steps];
        int prev = total;
        for (int t = 1; t <= steps; t++)
        {
            int n = (int)Math.Ceiling(Gamma(name, (double)t / steps) * total - 1e-9);
            // strictly fewer each step (possible for every step because T <= total)
            n = Math.Min(n, Math.Max(prev - 1, 0));
            n = Math.Max(n, 0);
            counts[t - 1] = t == steps ? 0 : n;
            prev = counts[t - 1];
        }
        return counts;
    }
}
