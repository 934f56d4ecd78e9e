using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>
/// Structural similarity (Wang, Bovik, Sheikh and Simoncelli, 2004) of images in [0, 1]: local means,
/// variances and covariance under an 11-tap Gaussian window of σ = 1.5 (shrunk to the image when it is
/// smaller, always odd), constants (0.01)² and (0.03)², the map averaged over valid window positions
/// and channels. 1 for identical images.
/// </summary>
public static class Ssim
{
    const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;

    /// <summary>The window's side for an image of <paramref name="height"/> × <paramref name="width"/>.</summary>
    public static int WindowSize(int height, int width)
    {
        int side = Math.Min(11, Math.Min(height, width));
        return side % 2 == 1 ? side : side - 1;
    }

    /// <summary>The normalised 2-D Gaussian window [side, side] (σ = 1.5), float64.</summary>
    public static double[,] Window(int side)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        var g = Enumerable.Range(0, side).Select(i => Math.Exp(-Math.Pow(i - (side - 1) / 2.0, 2) / (2 * 1.5 * 1.5))).ToArray();
        double total = g.Sum();
        var w = new double[side, side];
        for (int i = 0; i < side; i++)
            for (int j = 0; j < side; j++) w[i, j] = g[i] * g[j] / (total * total);
        return w;
    }

    /// <summary>SSIM of each image pair: [B] (float64) for <paramref name="a"/> and <paramref name="b"/> [B, C, H, W] in [0, 1].</summary>
    public static Tensor PerImage(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.dim() != 4 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"SSIM needs two [B, C, H, W] batches of one shape, got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].");
        using var scope = NewDisposeScope();
        int channels = (int)a.shape[1];
        int side = WindowSize((int)a.shape[2], (int)a.shape[3]);
        var w = Window(side);
        var flat = new double[side * side];
        for (int i = 0; i < side; i++)
            for (int j = 0; j < side; j++) flat[i * side + j] = w[i, j];
        var kernel = tensor(flat, ScalarType.Float64, a.device).view(1, 1, side, side).expand(channels, 1, side, side).contiguous();
        var x = a.to(ScalarType.Float64);
        var y = b.to(ScalarType.Float64);
        Tensor Blur(Tensor t) => nn.functional.conv2d(t, kernel, groups: channels);
        var mx = Blur(x);
        var my = Blur(y);
        var sxx = Blur(x * x) - mx * mx;
        var syy = Blur(y * y) - my * my;
        var sxy = Blur(x * y) - mx * my;
        var map = (2 * mx * my + C1) * (2 * sxy + C2) / ((mx * mx + my * my + C1) * (sxx + syy + C2));
        return map.mean([1, 2, 3]).MoveToOuterDisposeScope();
    }
}
