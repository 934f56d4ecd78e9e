using System.Globalization;
using System.Runtime.InteropServices;

namespace ResGen.Evaluation;

/// <summary>
/// Peak resident memory of this process around a piece of work (Linux: the kernel's high-water
/// mark VmHWM, reset through /proc/self/clear_refs). Used to find the largest sampling batch that
/// fits a memory budget on CPU.
/// </summary>
/// <remarks>
/// libtorch's CPU tensors come from malloc, and glibc keeps freed heap pages resident for reuse: after
/// one large batch, a second one would reuse those pages and show no growth at all. Every measurement
/// therefore first hands free heap pages back to the kernel (<c>malloc_trim(0)</c>, all arenas) and
/// counts from the resident size that is left.
/// </remarks>
public static class MemoryProbe
{
    /// <summary>Growth between the two largest probes below which no per-item cost is estimated (allocator noise).</summary>
    const long NoiseBytes = 1L << 20;

    public static bool Supported => File.Exists("/proc/self/status") && File.Exists("/proc/self/clear_refs");

    /// <summary>Current resident memory in bytes.</summary>
    public static long Resident() => Read("VmRSS:");

    /// <summary>Peak resident memory of the process so far (VmHWM) in bytes.</summary>
    public static long Peak() => Read("VmHWM:");

    /// <summary>
    /// Runs <paramref name="work"/> and returns how far its peak resident memory rose above the
    /// resident memory just before it (after freed heap memory was returned to the kernel), in bytes.
    /// </summary>
    public static long PeakGrowth(Action work)
    {
        if (!Supported) throw new PlatformNotSupportedException("peak-memory measurement needs Linux /proc");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TrimHeap();
        File.WriteAllText("/proc/self/clear_refs", "5");   // resets VmHWM to the current RSS
        long start = Resident();
        work();
        return Math.Max(0, Read("VmHWM:") - start);
    }

    /// <summary>Returns free malloc memory to the kernel where the C library can (glibc); false elsewhere.</summary>
    public static bool TrimHeap()
    {
        try { return MallocTrim(0) != 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

    /// <summary>
    /// The largest batch whose peak footprint stays within <paramref name="budgetBytes"/>, from a
    /// straight line through the peaks measured at <paramref name="probes"/> batch sizes (increasing),
    /// the budget counting from the process's resident memory before the work. Returns the estimate
    /// (null when the peaks did not grow with the batch, so that no line can be drawn) and the measured
    /// (batch, peak bytes above the starting footprint).
    /// </summary>
    public static (long? LargestBatch, IReadOnlyList<(int Batch, long Bytes)> Measured) LargestBatch(Action<int> runBatch, long budgetBytes, IReadOnlyList<int> probes)
    {
        if (probes.Count < 2) throw new ArgumentException("need at least two probe batch sizes", nameof(probes));
        var measured = new List<(int, long)>();
        foreach (var b in probes.OrderBy(b => b))
            measured.Add((b, PeakGrowth(() => runBatch(b))));
        var (b1, m1) = measured[^2];
        var (b2, m2) = measured[^1];
        if (b2 <= b1 || m2 - m1 < NoiseBytes) return (null, measured);
        double perItem = (double)(m2 - m1) / (b2 - b1);
        double fixedPart = m2 - perItem * b2;
        long largest = (long)Math.Floor((budgetBytes - fixedPart) / perItem);
        return (Math.Max(0, largest), measured);
    }

    /// <summary>Parses sizes like 4G, 512M, 2GiB, 1000000.</summary>
    public static long ParseSize(string text)
    {
        var t = text.Trim().ToUpperInvariant().Replace("IB", "").Replace("B", "");
        double mult = 1;
        if (t.EndsWith('K')) { mult = 1L << 10; t = t[..^1]; }
        else if (t.EndsWith('M')) { mult = 1L << 20; t = t[..^1]; }
        else if (t.EndsWith('G')) { mult = 1L << 30; t = t[..^1]; }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0)
            throw new UserErrorException($"cannot read the memory size '{text}'; write it like 4G, 512M or 2GiB.");
        return (long)(v * mult);
    }

    static long Read(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;   // kB
            }
        throw new PlatformNotSupportedException($"/proc/self/status has no {key}");
    }
}
