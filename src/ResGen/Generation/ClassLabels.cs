using System.Collections;

namespace ResGen.Generation;

/// <summary>
/// The labels of a sampling run: each class <paramref name="perClass"/> times, class after class,
/// without holding them (a run of a hundred million samples costs no memory for its labels).
/// </summary>
public sealed class ClassLabels : IReadOnlyList<long>
{
    readonly int[] _classes;

    public ClassLabels(IReadOnlyList<int> classes, int perClass)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count == 0) throw new UserErrorException("nothing to sample: no class given.");
        if (perClass < 1) throw new UserErrorException($"the count per class must be at least 1, got {perClass}.");
        if ((long)classes.Count * perClass > Array.MaxLength)
            throw new UserErrorException($"{classes.Count} classes × {perClass} samples is more than one run can number ({Array.MaxLength:N0}); split it into several runs (--seed).");
        _classes = [.. classes];
        PerClass = perClass;
    }

    public int PerClass { get; }
    /// <summary>The distinct classes, in order.</summary>
    public IReadOnlyList<int> Classes => _classes;
    public int Count => _classes.Length * PerClass;
    public long this[int index] => (uint)index < (uint)Count ? _classes[index / PerClass] : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<long> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
