using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>
/// Everything besides the weights needed to resume training: step, optimizer moments, EMA weights,
/// and the seed and CPU RNG state. Stored as one flat tensor dictionary
/// (<c>step</c>, <c>seed</c>, <c>rng_state</c>, <c>optimizer.*</c>, <c>ema.*</c>) in <c>NAME.train.safetensors</c>.
/// </summary>
public sealed class TrainingState : IDisposable
{
    private const string StepKey = "step";
    private const string SeedKey = "seed";
    private const string RngKey = "rng_state";
    private const string OptimizerPrefix = "optimizer.";
    private const string EmaPrefix = "ema.";

    private readonly Dictionary<string, Tensor> _tensors;

    /// <summary>Wraps tensors read from a file or built by <see cref="Capture"/>; takes ownership of them.</summary>
    public TrainingState(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!tensors.ContainsKey(StepKey))
        {
            throw new UserErrorException("The training state has no 'step' entry.");
        }

        _tensors = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    /// <summary>All entries, keyed as stored.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>The step training resumes at.</summary>
    public long Step => Scalar(StepKey) ?? 0;

    /// <summary>The run's seed, if recorded.</summary>
    public long? Seed => Scalar(SeedKey);

    /// <summary>Whether the CPU RNG state was captured.</summary>
    public bool HasRngState => _tensors.ContainsKey(RngKey);

    /// <summary>
    /// Captures the state of a run. Optimizer and EMA entries are views of their live buffers, so
    /// save the result before the next optimizer step.
    /// </summary>
    public static TrainingState Capture(long step, FlatAdamW? optimizer = null, Ema? ema = null, long? seed = null, bool includeRng = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [StepKey] = torch.tensor(step, dtype: ScalarType.Int64),
        };
        if (seed is { } s)
        {
            tensors[SeedKey] = torch.tensor(s, dtype: ScalarType.Int64);
        }

        if (includeRng)
        {
            tensors[RngKey] = torch.get_rng_state();
        }

        AddPrefixed(tensors, OptimizerPrefix, optimizer?.StateDict());
        AddPrefixed(tensors, EmaPrefix, ema?.StateDict());
        return new TrainingState(tensors);
    }

    /// <summary>Loads the optimizer and EMA state (when given) and the RNG state (when recorded and asked for).</summary>
    public void Restore(FlatAdamW? optimizer = null, Ema? ema = null, bool restoreRng = true)
    {
        if (optimizer is not null)
        {
            optimizer.LoadStateDict(Section(OptimizerPrefix, "optimizer"));
        }

        if (ema is not null)
        {
            ema.LoadStateDict(Section(EmaPrefix, "EMA"));
        }

        if (restoreRng && _tensors.TryGetValue(RngKey, out var rng))
        {
            torch.set_rng_state(rng);
        }
    }

    /// <summary>Releases all tensors.</summary>
    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
    }

    private Dictionary<string, Tensor> Section(string prefix, string what)
    {
        var section = _tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        return section.Count > 0
            ? section
            : throw new UserErrorException($"The training state has no {what} state to resume from.");
    }

    private long? Scalar(string key)
    {
        if (!_tensors.TryGetValue(key, out var t))
        {
            return null;
        }

        using var scope = torch.NewDisposeScope();
        return t.to_type(ScalarType.Int64).item<long>();
    }

    private static void AddPrefixed(Dictionary<string, Tensor> target, string prefix, Dictionary<string, Tensor>? source)
    {
        foreach (var (key, value) in source ?? [])
        {
            target[prefix + key] = value;
        }
    }
}
