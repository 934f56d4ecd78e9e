using System.Runtime.InteropServices;
using ResGen.Evaluation;

namespace ResGen.Tests.Evaluation;

// peak-memory measurements must not see other tests' allocations: run alone, never beside another test
[Collection(TorchCollection.Name)]
public sealed class MemoryProbeTests
{
    const int Chunk = 4 << 20;

    /// <summary>Allocates <paramref name="chunks"/> 4 MiB blocks with malloc, touches every page, frees them.</summary>
    static void AllocateTouchFree(int chunks)
    {
        var blocks = new IntPtr[chunks];
        var page = new byte[4096];
        for (int i = 0; i < chunks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(Chunk);
            for (int off = 0; off < Chunk; off += page.Length) Marshal.Copy(page, 0, blocks[i] + off, page.Length);
        }
        foreach (var b in blocks) Marshal.FreeHGlobal(b);
    }

    [Fact]
    public void Peak_growth_is_seen_even_after_the_heap_already_held_that_much()
    {
        if (!MemoryProbe.Supported) return;   // needs Linux /proc
        // Leave 64 freed 4 MiB holes in the C heap, each pinned in place by a live 256 KiB block after it so that
        // the allocator cannot give them back by shrinking the heap's top: they stay resident, as the
        // pages of an earlier large sampling batch do. A second, equal round reuses those pages; the
        // probe must still see its cost (without trimming the heap first it measured about 0).
        Marshal.FreeHGlobal(Marshal.AllocHGlobal(Chunk));   // raises glibc's mmap threshold above 4 MiB
        var holes = new IntPtr[64];
        var pins = new IntPtr[64];
        var page = new byte[4096];
        for (int i = 0; i < holes.Length; i++)
        {
            holes[i] = Marshal.AllocHGlobal(Chunk);
            for (int off = 0; off < Chunk; off += page.Length) Marshal.Copy(page, 0, holes[i] + off, page.Length);
            pins[i] = Marshal.AllocHGlobal(256 << 10);
        }
        try
        {
            foreach (var h in holes) Marshal.FreeHGlobal(h);
            long growth = MemoryProbe.PeakGrowth(() => AllocateTouchFree(64));
            Assert.InRange(growth, 200L << 20, 1L << 30);
        }
        finally
        {
            foreach (var p in pins) Marshal.FreeHGlobal(p);
        }
    }

    [Fact]
    public void Largest_batch_follows_a_line_through_the_measured_peaks()
    {
        if (!MemoryProbe.Supported) return;
        var (largest, measured) = MemoryProbe.LargestBatch(b => AllocateTouchFree(b), budgetBytes: 1L << 30, probes: [8, 32]);
        Assert.Equal(2, measured.Count);
        Assert.True(measured[1].Bytes > measured[0].Bytes);
        Assert.NotNull(largest);
        // 4 MiB per item: a 1 GiB budget holds about 256 items (allow for the process's own noise).
        Assert.InRange(largest!.Value, 180, 330);
    }

    [Fact]
    public void No_estimate_when_the_peak_does_not_grow()
    {
        if (!MemoryProbe.Supported) return;
        var (largest, _) = MemoryProbe.LargestBatch(_ => { }, budgetBytes: 1L << 30, probes: [8, 32]);
        Assert.Null(largest);
    }

    [Theory]
    [InlineData("4G", 4L << 30)]
    [InlineData("512M", 512L << 20)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("1000000", 1000000L)]
    public void Sizes_parse(string text, long bytes) => Assert.Equal(bytes, MemoryProbe.ParseSize(text));

    [Fact]
    public void Bad_size_is_a_user_error() => Assert.Throws<UserErrorException>(() => MemoryProbe.ParseSize("lots"));
}
