using ResGen.Data;
using ResGen.Evaluation;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens;

/// <summary>
/// Trains an image tokenizer: reconstruction MSE plus the per-level commitment losses, codebooks
/// moved by EMA, quantizer dropout. Logs the loss parts, the commitment of every level, the code
/// usage of the interval, and (at each evaluation) test PSNR at the first and at full depth.
/// </summary>
public static class TokenizerTraining
{
    public const string Kind = "tokenizer";

    public static IReadOnlyList<Metric> Run(TokenizerConfig config, ImageTokenizer tokenizer, ITrainingImages train, ImageDataset test,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        int evalImages = 1000, CancellationToken stop = default)
    {
        config.Validate();
        if (train.Height != config.Model.ImageSize || train.Width != config.Model.ImageSize || train.Channels != config.Model.Channels)
            throw new UserErrorException(
                $"the data are {train.Channels}×{train.Height}×{train.Width} but the tokenizer expects {config.Model.Channels}×{config.Model.ImageSize}×{config.Model.ImageSize}.");
        var sampler = new BatchSampler(train.Count, config.Train.BatchSize, config.Train.Seed);
        using var usage = new CodeUsage(tokenizer.Depth, tokenizer.CodebookSize, device);
        float beta = config.Rvq.CommitmentWeight;
        using var batches = config.Train.Flip ? train.Batches(sampler.Batch).Mirrored(config.Train.Seed) : train.Batches(sampler.Batch);
        var loop = new TrainingLoop<TokenizerConfig>(tokenizer, Kind, config, config.Train, runDirectory)
        {
            Device = device,
            Console = console,
            Progress = progress,
            Stop = stop,
            Loss = (step, g) =>
            {
                var x = batches.Get(step, device).Images;
                var o = tokenizer.Forward(x, g);
                usage.Add(o.Quantizer.Indices);
                var rec = nn.functional.mse_loss(o.Reconstruction, x);
                var commit = o.Quantizer.Commitment;
                var parts = new List<(string, Tensor)> { ("rec", rec), ("commit", commit.sum()) };
                for (int j = 0; j < tokenizer.Depth; j++) parts.Add(($"c{j + 1}", commit[j]));
                return new LossBreakdown(rec + beta * commit.sum(), parts);
            },
            ExtraMetrics = () =>
            {
                var levels = usage.Levels();
                usage.Reset();
                return [Metric.Percent("usage_min", levels.Min(l => l.UsedFraction)), new Metric("ppl_mean", levels.Average(l => l.Perplexity))];
            },
            Evaluate = step =>
            {
                var r = TokenizerEvaluation.Run(tokenizer, test, evalImages, device: device);
                return [new Metric("psnr_d1", r.Depths[0].Psnr), new Metric("psnr", r.Full.Psnr),
                        Metric.Percent("test_usage_min", r.Levels.Min(l => l.UsedFraction))];
            },
        };
        return loop.Run(resume);
    }
}
