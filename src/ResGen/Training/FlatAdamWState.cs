using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>Export and import of <see cref="FlatAdamW"/> moments keyed by parameter name.</summary>
internal static class FlatAdamWState
{
    private const string StepKey = "step";

    public static Dictionary<string, Tensor> Export(FlatAdamW optimizer)
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (prefix, flat) in Buffers(optimizer))
        {
            foreach (var slot in optimizer.Parameters.Slots)
            {
                state[$"{prefix}.{slot.Name}"] = FlatParameters.SlotView(flat, slot);
            }
        }

        state[StepKey] = torch.tensor(optimizer.StepCount, dtype: ScalarType.Int64);
        return state;
    }

    public static long Import(FlatAdamW optimizer, IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal) { [StepKey] = [] };
        foreach (var (prefix, _) in Buffers(optimizer))
        {
            foreach (var slot in optimizer.Parameters.Slots)
            {
                expected[$"{prefix}.{slot.Name}"] = slot.Shape;
            }
        }

        // A float32 model has no separate master copy; accept (and use) one saved by a low-precision run.
        var source = state.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal);
        var masterOnlyInSource = !optimizer.HasMasterCopy && source.Keys.Any(k => k.StartsWith("master.", StringComparison.Ordinal));
        if (masterOnlyInSource)
        {
            foreach (var slot in optimizer.Parameters.Slots)
            {
                expected[$"master.{slot.Name}"] = slot.Shape;
            }
        }

        var diff = StateDictDiff.Compare(source, expected);
        if (!diff.IsMatch)
        {
            throw new UserErrorException(diff.Describe("the saved optimizer state", "the model's parameters"));
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var targets = Buffers(optimizer).ToList();
        if (masterOnlyInSource)
        {
            targets.Add(("master", optimizer.Master));
        }

        foreach (var (prefix, flat) in targets)
        {
            foreach (var slot in optimizer.Parameters.Slots)
            {
                FlatParameters.SlotView(flat, slot).copy_(state[$"{prefix}.{slot.Name}"]);
            }
        }

        if (optimizer.HasMasterCopy)
        {
            optimizer.Parameters.Data.copy_(optimizer.Master);
        }

        return state[StepKey].to_type(ScalarType.Int64).item<long>();
    }

    private static IEnumerable<(string Prefix, Tensor Flat)> Buffers(FlatAdamW optimizer)
    {
        yield return ("exp_avg", optimizer.ExpAvg);
        yield return ("exp_avg_sq", optimizer.ExpAvgSq);
        if (optimizer.HasMasterCopy)
        {
            yield return ("master", optimizer.Master);
        }
    }
}
