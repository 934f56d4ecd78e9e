namespace ResGen.Data.Speech;

/// <summary>
/// SplitMix64: a small random generator whose sequence for a seed is fixed by this code alone (not by
/// the .NET version, as <see cref="Random"/>'s is), so a corpus built from a seed is the same everywhere.
/// </summary>
public sealed class StableRandom(ulong seed)
{
    ulong state = seed;

    /// <summary>A generator for one purpose of a seed, e.g. ("speakers", 3): independent streams.</summary>
    public static StableRandom For(ulong seed, string purpose)
    {
        ulong h = 14695981039346656037;
        foreach (char c in purpose)
        {
            h ^= c;
            h *= 1099511628211;
        }
        return new StableRandom(seed ^ h);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>A number in [0, <paramref name="count"/>), without modulo bias.</summary>
    public int Next(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ulong limit = ulong.MaxValue - ulong.MaxValue % (ulong)count;
        ulong x;
        do x = NextUInt64(); while (x >= limit);
        return (int)(x % (ulong)count);
    }

    /// <summary>One of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>A shuffled copy of <paramref name="items"/> (Fisher–Yates).</summary>
    public T[] Shuffle<T>(IEnumerable<T> items)
    {
        T[] a = [.. items];
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a;
    }
}
