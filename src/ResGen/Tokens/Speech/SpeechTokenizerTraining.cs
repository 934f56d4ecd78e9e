using ResGen.Evaluation;
using ResGen.Evaluation.Speech;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens.Speech;

/// <summary>
/// Trains a speech tokenizer on random fixed-length crops (config crop_frames): log-mel MSE
/// plus the per-level commitment losses, codebooks moved by EMA, quantizer dropout. Logs the
/// loss parts, the code usage of the interval, and at each evaluation (whole held-out
/// utterances) the log-mel MSE at the first and at full depth and the full-depth MCD.
/// </summary>
public static class SpeechTokenizerTraining
{
    /// <summary>The checkpoint kind of a speech tokenizer (an image tokenizer's is <see cref="TokenizerTraining.Kind"/>).</summary>
    public const string Kind = "speech-tokenizer";

    public static IReadOnlyList<Metric> Run(SpeechTokenizerConfig config, SpeechTokenizer tokenizer, IMelSource train, IMelSource? test,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        int evalUtterances = 64, CancellationToken stop = default)
    {
        config.Validate();
        if (train.MelBins != config.Mel.MelBins || (test is not null && test.MelBins != config.Mel.MelBins))
            throw new UserErrorException($"the data have {train.MelBins} mel bands but the tokenizer expects {config.Mel.MelBins}.");
        var crops = new MelCrops(train, config.Train.BatchSize, config.CropFrames, config.Train.Seed, Math.Log(config.Mel.LogFloor));
        using var usage = new CodeUsage(tokenizer.Depth, tokenizer.CodebookSize, device);
        float beta = config.Rvq.CommitmentWeight;
        var loop = new TrainingLoop<SpeechTokenizerConfig>(tokenizer, Kind, config, config.Train, runDirectory)
        {
            Device = device,
            Console = console,
            Progress = progress,
            Stop = stop,
            Loss = (step, g) =>
            {
                var (x, lengths) = crops.Batch(step, device);
                var o = tokenizer.Forward(x, lengths, g);
                usage.Add(o.Quantizer.Indices);
                var rec = SpeechTokenizer.ReconstructionLoss(o.Reconstruction, x, o.FrameMask);
                var commit = o.Quantizer.Commitment.sum();
                return new LossBreakdown(rec + beta * commit, [("rec", rec), ("commit", commit)]);
            },
            ExtraMetrics = () =>
            {
                var levels = usage.Levels();
                usage.Reset();
                return [Metric.Percent("usage_min", levels.Min(l => l.UsedFraction)), new Metric("ppl_mean", levels.Average(l => l.Perplexity))];
            },
            Evaluate = test is null ? null : step =>
            {
                var r = SpeechTokenizerEvaluation.Run(tokenizer, test, evalUtterances, [1, tokenizer.Depth], device: device);
                return [new Metric("mse_d1", r.Depths[0].Mse), new Metric("mse", r.Full.Mse), new Metric("mcd", r.Full.Mcd),
                        Metric.Percent("test_usage_min", r.Levels.Min(l => l.UsedFraction))];
            },
        };
        return loop.Run(resume);
    }
}
