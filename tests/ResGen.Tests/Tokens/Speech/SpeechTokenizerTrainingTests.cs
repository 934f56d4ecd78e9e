using ResGen.Evaluation.Speech;
using ResGen.Tokens;
using ResGen.Tokens.Speech;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Tokens.Speech;

[Collection(TorchCollection.Name)]
public sealed class SpeechTokenizerTrainingTests
{
    [Fact]
    public void ATinyRunLowersTheLossAndEvaluatesWholeUtterances()
    {
        torch.manual_seed(0);
        var cfg = SpeechTestData.Tiny();
        using var train = SpeechTestData.Mels(12);
        using var test = SpeechTestData.Mels(4, offset: 100);
        var tok = cfg.Build();
        using var dir = new TempDirectory();
        var eval = SpeechTokenizerTraining.Run(cfg, tok, train, test, dir.Path, resume: false, torch.CPU, evalUtterances: 4);
        var (_, rec) = MetricsFile.Series(Path.Combine(dir.Path, TrainLog.MetricsFileName), "rec");
        Assert.Equal(5, rec.Count);
        Assert.True(rec[^1] < rec[0] * 0.6, $"reconstruction loss went from {rec[0]:F4} to {rec[^1]:F4}");
        Assert.Equal(["mse_d1", "mse", "mcd", "test_usage_min"], eval.Select(m => m.Name));
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));

        // every depth prefix, the numbers of the tokenizer's own reconstruction, whatever the batching
        // (50 steps are too few for the fine depths to pay: depth 1 and depth 4 score about the same)
        tok.eval();
        var report = SpeechTokenizerEvaluation.Run(tok, test);
        Assert.Equal(4, report.Utterances);
        Assert.Equal(Enumerable.Range(0, 4).Sum(i => test.Frames(i)), report.Frames);
        Assert.Equal([1, 2, 3, 4], report.Depths.Select(d => d.Depth));
        Assert.Equal(4, report.Levels.Count);
        var (x, lengths) = SpeechTestData.Batch(test, 0, 4);
        var mask = ResGen.Tokens.TokenBatch.ValidMask(lengths, x.shape[2]);
        foreach (int d in new[] { 1, 4 })
        {
            var prefix = tok.Reconstruct(x, d, lengths);
            double mse = SpeechTokenizer.ReconstructionLoss(prefix, x, mask).item<float>();
            Assert.Equal(mse, report.Depths[d - 1].Mse, 1e-4 * mse);
            double mcd = MelCepstralDistortion.AlignedBatch(x, prefix, mask).mean().item<double>();
            Assert.Equal(mcd, report.Depths[d - 1].Mcd, 1e-4 * mcd);
        }
        Assert.True(report.Full.Mcd > 0);
        var single = SpeechTokenizerEvaluation.Run(tok, test, batchSize: 1);
        for (int d = 0; d < 4; d++)
        {
            Assert.Equal(report.Depths[d].Mse, single.Depths[d].Mse, 1e-5 * report.Depths[d].Mse);
            Assert.Equal(report.Depths[d].Mcd, single.Depths[d].Mcd, 1e-4 * report.Depths[d].Mcd);
        }
    }

    [Fact]
    public void CheckpointsRoundTripAndKnowTheirKind()
    {
        torch.manual_seed(1);
        var cfg = SpeechTestData.Tiny() with { Train = SpeechTestData.Tiny().Train with { Steps = 3 } };
        using var train = SpeechTestData.Mels(8);
        var tok = cfg.Build();
        using var dir = new TempDirectory();
        SpeechTokenizerTraining.Run(cfg, tok, train, null, dir.Path, false, torch.CPU);
        string model = Path.Combine(dir.Path, "model");
        var (loaded, loadedCfg, hash) = SpeechTokenizerCheckpoint.Load(model);
        Assert.Equal(ResGen.Config.ConfigLoader.ToJson(cfg), ResGen.Config.ConfigLoader.ToJson(loadedCfg));
        Assert.Equal(ResGen.Config.ConfigLoader.Hash(cfg), hash);
        tok.eval();
        var x = train.Get(0).unsqueeze(0);
        TensorAssert.Equal(tok.Encode(x), loaded.Encode(x));
        foreach (var (k, v) in tok.state_dict()) TensorAssert.Equal(v, loaded.state_dict()[k]);

        Assert.True(SpeechTokenizerCheckpoint.IsSpeechTokenizer(model));
        var e = Assert.Throws<UserErrorException>(() => TokenizerCheckpoint.Load(model));
        Assert.Contains("speech-tokenizer", e.Message);
    }

    [Fact]
    public void AResumedRunEndsWhereAnUninterruptedOneDoes()
    {
        var cfg = SpeechTestData.Tiny() with { Train = SpeechTestData.Tiny().Train with { Steps = 8, CheckpointEvery = 4 } };
        using var train = SpeechTestData.Mels(8);
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        torch.manual_seed(2);
        var tokA = cfg.Build();
        var init = tokA.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        SpeechTokenizerTraining.Run(cfg, tokA, train, null, a.Path, false, torch.CPU);

        // the same run, stopped after step 4 (as by Ctrl-C), then resumed in a fresh model
        var tokB = cfg.Build();
        using (torch.no_grad()) foreach (var (k, v) in tokB.state_dict()) v.copy_(init[k]);
        using var stop = new CancellationTokenSource();
        var progress = new Inline(p => { if (p.Step == 3) stop.Cancel(); });
        Assert.Throws<TrainingStoppedException>(() => SpeechTokenizerTraining.Run(cfg, tokB, train, null, b.Path, false, torch.CPU, progress: progress, stop: stop.Token));
        var tokC = cfg.Build();
        SpeechTokenizerTraining.Run(cfg, tokC, train, null, b.Path, true, torch.CPU);
        var sa = tokA.state_dict();
        foreach (var (k, v) in tokC.state_dict()) TensorAssert.BitEqual(sa[k], v, k);
    }

    [Fact]
    public void ATrainingStepDoesNotGrowTheLiveTensorCount()
    {
        torch.manual_seed(3);
        var cfg = SpeechTestData.Tiny() with { Train = SpeechTestData.Tiny().Train with { Steps = 12, LogEvery = 2 } };
        using var train = SpeechTestData.Mels(8);
        var tok = cfg.Build();
        var crops = new MelCrops(train, 4, 40, 0, -11.5);              // 40 frames: the 0.4 s utterances (33 frames) are padded
        var live = new List<long>();
        using var dir = new TempDirectory();
        var loop = new TrainingLoop<SpeechTokenizerConfig>(tok, SpeechTokenizerTraining.Kind, cfg, cfg.Train, dir.Path)
        {
            Loss = (step, g) =>
            {
                live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                var (x, lengths) = crops.Batch(step, torch.CPU);
                var o = tok.Forward(x, lengths, g);
                var rec = SpeechTokenizer.ReconstructionLoss(o.Reconstruction, x, o.FrameMask);
                return new LossBreakdown(rec + 0.25f * o.Quantizer.Commitment.sum(), [("rec", rec)]);
            },
        };
        loop.Run(resume: false);
        Assert.True(live[3] == live[^1], $"live tensors per step: {string.Join(", ", live)}");
    }

    [Fact]
    public void CropsAreDenseReproducibleAndPadOnlyShortUtterances()
    {
        using var data = SpeechTestData.Mels(6);
        var crops = new MelCrops(data, batchSize: 4, cropFrames: 32, seed: 7, padLogMel: -11.5);
        var (x, lengths) = crops.Batch(3, torch.CPU);
        Assert.Equal(new long[] { 4, 80, 32 }, x.shape);
        Assert.Null(lengths);
        TensorAssert.Equal(x, new MelCrops(data, 4, 32, 7, -11.5).Batch(3, torch.CPU).Mels);
        Assert.True(TensorAssert.MaxDiff(x, crops.Batch(4, torch.CPU).Mels) > 0);

        var (y, shortLengths) = new MelCrops(data, 6, 56, 7, -11.5).Batch(1, torch.CPU);   // 0.4-0.5 s utterances have 41-51 frames
        Assert.NotNull(shortLengths);
        Assert.Contains(shortLengths!.data<long>().ToArray(), l => l < 56);
        Assert.Contains(shortLengths.data<long>().ToArray(), l => l == 56);
    }

    sealed class Inline(Action<TrainProgress> action) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => action(value);
    }
}
