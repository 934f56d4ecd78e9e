namespace ResGen.Training;

/// <summary>
/// Compares the key set and shapes of two state dicts and words the differences as one sentence,
/// listing the first few missing, unexpected and mismatched keys.
/// </summary>
public sealed class StateDictDiff
{
    private const int Shown = 5;

    private StateDictDiff(List<string> missing, List<string> unexpected, List<string> mismatched)
    {
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    /// <summary>Keys the target expects that the source lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Keys in the source that the target does not have.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys present in both with different shapes, each as <c>key (source [..] vs target [..])</c>.</summary>
    public IReadOnlyList<string> Mismatched { get; }

    /// <summary>True when keys and shapes agree.</summary>
    public bool IsMatch => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>Compares <paramref name="source"/> (what was read) against <paramref name="target"/> (what is needed).</summary>
    public static StateDictDiff Compare(IReadOnlyDictionary<string, long[]> source, IReadOnlyDictionary<string, long[]> target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var mismatched = target
            .Where(kv => source.TryGetValue(kv.Key, out var s) && !s.SequenceEqual(kv.Value))
            .Select(kv => $"{kv.Key} (got {Shape(source[kv.Key])}, expected {Shape(kv.Value)})")
            .ToList();
        return new StateDictDiff(missing, unexpected, mismatched);
    }

    /// <summary>One sentence describing the differences, e.g. for an error message; empty when they match.</summary>
    /// <param name="what">Names the source, e.g. <c>checkpoint 'a.safetensors'</c>.</param>
    /// <param name="against">Names the target, e.g. <c>the model</c>.</param>
    public string Describe(string what, string against)
    {
        if (IsMatch)
        {
            return "";
        }

        var parts = new List<string>();
        if (Missing.Count > 0)
        {
            parts.Add($"missing {List(Missing)}");
        }

        if (Unexpected.Count > 0)
        {
            parts.Add($"unexpected {List(Unexpected)}");
        }

        if (Mismatched.Count > 0)
        {
            parts.Add($"shape mismatch {List(Mismatched)}");
        }

        return $"{char.ToUpperInvariant(what[0])}{what[1..]} does not match {against}: {string.Join("; ", parts)}.";
    }

    /// <summary>Shape as <c>[2, 3]</c>.</summary>
    public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static string List(IReadOnlyList<string> items)
    {
        var head = string.Join(", ", items.Take(Shown));
        return items.Count > Shown ? $"{head} (and {items.Count - Shown} more)" : head;
    }
}
