using System.Diagnostics;
using ResGen.Data;
using Xunit.Abstractions;

namespace ResGen.Tests.Data;

/// <summary>Reads the installed Fashion-MNIST files (skipped when they are absent).</summary>
public sealed class FashionMnistRealDataTests(ITestOutputHelper output)
{
    [FashionMnistInstalledFact]
    public void TestSplit_HasTenThousandSensibleImages()
    {
        var watch = Stopwatch.StartNew();
        var data = FashionMnist.Load("test");
        output.WriteLine($"test split loaded in {watch.ElapsedMilliseconds} ms");

        Assert.Equal((10000, 28, 28, 1), (data.Count, data.Height, data.Width, data.Channels));
        Assert.Equal(10000 * 28 * 28, data.Pixels.Length);
        Assert.All(data.Labels, label => Assert.InRange(label, (byte)0, (byte)9));
        // The test split is balanced: 1000 images per class.
        Assert.All(data.Labels.GroupBy(l => l), group => Assert.Equal(1000, group.Count()));
        double mean = data.Pixels.Average(p => (double)p);
        output.WriteLine($"mean pixel value {mean:F2}");
        Assert.InRange(mean, 60, 90);
        Assert.Equal(9, data.Labels[0]); // The first test image is an ankle boot.
    }

    [FashionMnistInstalledFact]
    public void TrainSplit_LoadsQuickly()
    {
        var watch = Stopwatch.StartNew();
        var data = FashionMnist.Load("train");
        watch.Stop();
        output.WriteLine($"train split loaded in {watch.ElapsedMilliseconds} ms");

        Assert.Equal(60000, data.Count);
        // Generous bound: the reader decompresses straight into one array (well under a second
        // on an idle machine), but other builds may share the CPU.
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 10);
    }
}
