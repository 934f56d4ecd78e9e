using ResGen.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public sealed class SsimTests
{
    /// <summary>SSIM by its definition, loop by loop, for one channel of one image pair (float64).</summary>
    static double Naive(double[,] x, double[,] y)
    {
        int h = x.GetLength(0), w = x.GetLength(1), side = Ssim.WindowSize(h, w);
        var g = Ssim.Window(side);
        double total = 0;
        int count = 0;
        for (int i = 0; i + side <= h; i++)
            for (int j = 0; j + side <= w; j++)
            {
                double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                for (int u = 0; u < side; u++)
                    for (int v = 0; v < side; v++)
                    {
                        double a = x[i + u, j + v], b = y[i + u, j + v], k = g[u, v];
                        mx += k * a; my += k * b; xx += k * a * a; yy += k * b * b; xy += k * a * b;
                    }
                double sx = xx - mx * mx, sy = yy - my * my, sxy = xy - mx * my;
                total += (2 * mx * my + 1e-4) * (2 * sxy + 9e-4) / ((mx * mx + my * my + 1e-4) * (sx + sy + 9e-4));
                count++;
            }
        return total / count;
    }

    static double[,] Channel(Tensor images, int n, int c)
    {
        int h = (int)images.shape[2], w = (int)images.shape[3];
        var values = images[n, c].to(ScalarType.Float64).data<double>().ToArray();
        var m = new double[h, w];
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) m[i, j] = values[i * w + j];
        return m;
    }

    [Theory]
    [InlineData(1, 16, 16)]      // window 11
    [InlineData(3, 8, 8)]        // window 7 (shrunk to the picture, odd)
    [InlineData(2, 12, 9)]       // window 9
    public void MatchesTheDefinitionComputedLoopByLoop(int channels, int height, int width)
    {
        var gen = new Generator(7);
        var a = torch.rand([2, channels, height, width], generator: gen);
        var b = (a + 0.2 * torch.randn([2, channels, height, width], generator: gen)).clamp(0, 1);
        var got = Ssim.PerImage(a, b).data<double>().ToArray();
        for (int n = 0; n < 2; n++)
        {
            double expected = Enumerable.Range(0, channels).Average(c => Naive(Channel(a, n, c), Channel(b, n, c)));
            Assert.Equal(expected, got[n], 9);
        }
    }

    [Fact]
    public void IsOneForIdenticalPicturesAndFallsWithNoise()
    {
        var gen = new Generator(3);
        var x = torch.rand([4, 3, 32, 32], generator: gen);
        foreach (var v in Ssim.PerImage(x, x).data<double>().ToArray()) Assert.Equal(1.0, v, 12);
        double last = 1;
        foreach (var sigma in new[] { 0.02, 0.1, 0.3 })
        {
            double s = Ssim.PerImage(x, (x + sigma * torch.randn(x.shape, generator: gen)).clamp(0, 1)).mean().item<double>();
            Assert.True(s < last, $"SSIM {s} at noise {sigma} is not below {last}");
            last = s;
        }
        Assert.Throws<ArgumentException>(() => Ssim.PerImage(x, x[..2]));
    }

    [Fact]
    public void TheWindowSumsToOneAndFitsThePicture()
    {
        Assert.Equal(11, Ssim.WindowSize(28, 28));
        Assert.Equal(7, Ssim.WindowSize(8, 32));
        Assert.Equal(1, Ssim.WindowSize(1, 5));
        var w = Ssim.Window(11);
        Assert.Equal(1.0, w.Cast<double>().Sum(), 12);
        Assert.True(w[5, 5] > w[0, 5] && w[0, 5] > w[0, 0]);
    }
}
