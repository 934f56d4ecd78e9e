using ResGen.Data;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>Reconstruction quality when only the first <see cref="Depth"/> depths are decoded (SSIM: the mean over images, see <see cref="Evaluation.Ssim"/>).</summary>
public sealed record DepthQuality(int Depth, double Mse, double Psnr, double Ssim);

/// <summary>What <c>resgen tokenizer eval</c> measures.</summary>
public sealed record TokenizerReport(int Images, IReadOnlyList<DepthQuality> Depths, IReadOnlyList<LevelUsage> Levels)
{
    public DepthQuality Full => Depths[^1];
}

/// <summary>
/// Reconstruction error for every depth prefix 1..D (MSE, PSNR and SSIM on pixel values in [0, 1]) and
/// per-level code usage and perplexity, over a data set.
/// </summary>
public static class TokenizerEvaluation
{
    /// <summary>PSNR in dB of a mean squared error on [0, 1] pixels.</summary>
    public static double Psnr(double mse01) => 10 * Math.Log10(1.0 / Math.Max(mse01, 1e-12));

    public static TokenizerReport Run(ImageTokenizer tokenizer, ImageDataset data, int? limit = null, int batchSize = 500,
                                      Device? device = null, IProgress<double>? progress = null)
    {
        int n = Math.Min(limit ?? data.Count, data.Count);
        int depth = tokenizer.Depth;
        var sq = new double[depth];
        var ssim = new double[depth];
        using var usage = new CodeUsage(depth, tokenizer.CodebookSize, device);
        bool wasTraining = tokenizer.training;
        tokenizer.eval();
        try
        {
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                int count = Math.Min(batchSize, n - start);
                var x = data.ToTensor(start, count, device);
                var idx = tokenizer.Quantizer.Encode(tokenizer.EncodeLatent(x));
                usage.Add(idx);
                for (int d = 1; d <= depth; d++)
                {
                    using var inner = torch.NewDisposeScope();   // one decoder's activations at a time (16 depths × 500 images held 17 GB)
                    var visible = torch.full(idx.shape[..^1], d, ScalarType.Int64, device: idx.device);
                    var rec = tokenizer.DecodeLatent(tokenizer.Quantizer.EmbedPrefix(idx, visible)).clamp(-1, 1);
                    // [-1, 1] → [0, 1]: squared errors shrink by 4
                    sq[d - 1] += (rec - x).pow(2).sum().to(ScalarType.Float64).item<double>() / 4.0;
                    ssim[d - 1] += Ssim.PerImage((rec + 1) / 2, (x + 1) / 2).sum().item<double>();
                }
                progress?.Report((double)(start + count) / n);
            }
        }
        finally { tokenizer.train(wasTraining); }
        double pixels = (double)n * data.Channels * data.Height * data.Width;
        var depths = sq.Select((s, i) => new DepthQuality(i + 1, s / pixels, Psnr(s / pixels), ssim[i] / n)).ToList();
        return new TokenizerReport(n, depths, usage.Levels());
    }
}
