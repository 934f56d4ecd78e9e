using ResGen.Data;
using ResGen.Tests.Data;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class TokenizerTrainingTests
{
    internal static TokenizerConfig TinyConfig(long steps, int logEvery = 10) => new()
    {
        Model = new ImageTokenizerConfig { HiddenChannels = [4, 8, 8] },
        Rvq = new RvqConfig { Depth = 3, CodebookSize = 16, CodeDim = 4 },
        Train = new TrainSettings { Steps = steps, BatchSize = 32, Lr = 3e-3, WarmupSteps = 5, LogEvery = logEvery, EvalEvery = 0, CheckpointEvery = 0 },
    };

    static (ImageDataset Train, ImageDataset Test) Data() => (FashionMnist.Load("train", limit: 512), FashionMnist.Load("test", limit: 64));

    [FashionMnistInstalledFact]
    public void ATinyRunLowersTheLossAndWritesCheckpoints()
    {
        torch.manual_seed(0);
        var (train, test) = Data();
        var cfg = TinyConfig(60);
        var tok = cfg.Build();
        using var dir = new TempDirectory();
        var eval = TokenizerTraining.Run(cfg, tok, train, test, dir.Path, resume: false, torch.CPU, evalImages: 64);
        var (_, rec) = MetricsFile.Series(Path.Combine(dir.Path, TrainLog.MetricsFileName), "rec");
        Assert.True(rec.Count >= 5);
        Assert.True(rec[^1] < rec[0] * 0.7, $"reconstruction loss went from {rec[0]:F4} to {rec[^1]:F4}");
        Assert.Contains(eval, m => m.Name == "psnr");
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "last.train.safetensors")));
    }

    [FashionMnistInstalledFact]
    public void ATrainingStepDoesNotGrowTheLiveTensorCount()
    {
        torch.manual_seed(1);
        var (train, test) = Data();
        var cfg = TinyConfig(12, logEvery: 2);
        var tok = cfg.Build();
        var live = new List<long>();
        var sampler = new BatchSampler(train.Count, 32, 0);
        using var dir = new TempDirectory();
        var loop = new TrainingLoop<TokenizerConfig>(tok, "tokenizer", cfg, cfg.Train, dir.Path)
        {
            Loss = (step, g) =>
            {
                live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                var x = train.Batch(sampler.Batch(step));
                var o = tok.Forward(x, g);
                var rec = nn.functional.mse_loss(o.Reconstruction, x);
                return new LossBreakdown(rec + 0.25f * o.Quantizer.Commitment.sum(), [("rec", rec)]);
            },
        };
        loop.Run(resume: false);
        Assert.True(live[3] == live[^1], $"live tensors per step: {string.Join(", ", live)}");
    }

    [FashionMnistInstalledFact]
    public void AResumedRunEndsWhereAnUninterruptedOneDoes()
    {
        var (train, test) = Data();
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        torch.manual_seed(2);
        var cfg = TinyConfig(16) with { Train = TinyConfig(16).Train with { CheckpointEvery = 4 } };
        var tokA = cfg.Build();
        var init = tokA.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        TokenizerTraining.Run(cfg, tokA, train, test, a.Path, false, torch.CPU, evalImages: 8);

        // the same run, killed during step 10 (its last checkpoint is from step 8), then resumed
        var tokB = cfg.Build();
        using (torch.no_grad()) foreach (var (k, v) in tokB.state_dict()) v.copy_(init[k]);
        var sampler = new BatchSampler(train.Count, cfg.Train.BatchSize, cfg.Train.Seed);
        var crashing = new TrainingLoop<TokenizerConfig>(tokB, TokenizerTraining.Kind, cfg, cfg.Train, b.Path)
        {
            Loss = (step, g) =>
            {
                if (step == 10) throw new OperationCanceledException("simulated crash");
                var x = train.Batch(sampler.Batch(step));
                var o = tokB.Forward(x, g);
                var rec = nn.functional.mse_loss(o.Reconstruction, x);
                return new LossBreakdown(rec + cfg.Rvq.CommitmentWeight * o.Quantizer.Commitment.sum(), []);
            },
        };
        Assert.Throws<OperationCanceledException>(() => crashing.Run(resume: false));
        var tokC = cfg.Build();
        TokenizerTraining.Run(cfg, tokC, train, test, b.Path, true, torch.CPU, evalImages: 8);

        var sa = tokA.state_dict();
        foreach (var (k, v) in tokC.state_dict())
            Assert.True(TensorAssert.MaxDiff(sa[k], v) < 1e-5, $"{k} differs after resuming by {TensorAssert.MaxDiff(sa[k], v)}");
    }

    [FashionMnistInstalledFact]
    public void TokenizerCheckpointRoundTripIsExactAndTruncationIsReported()
    {
        torch.manual_seed(3);
        var (train, test) = Data();
        var cfg = TinyConfig(5);
        var tok = cfg.Build();
        using var dir = new TempDirectory();
        TokenizerTraining.Run(cfg, tok, train, test, dir.Path, false, torch.CPU, evalImages: 8);
        var (loaded, loadedCfg, _) = TokenizerCheckpoint.Load(Path.Combine(dir.Path, "model"));
        Assert.Equal(ResGen.Config.ConfigLoader.ToJson(cfg), ResGen.Config.ConfigLoader.ToJson(loadedCfg));
        var x = test.ToTensor(0, 16);
        tok.eval();
        TensorAssert.Equal(tok.Encode(x), loaded.Encode(x));
        foreach (var (k, v) in tok.state_dict()) TensorAssert.Equal(v, loaded.state_dict()[k]);

        var weights = Path.Combine(dir.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<UserErrorException>(() => TokenizerCheckpoint.Load(Path.Combine(dir.Path, "model")));
        Assert.Contains("truncated", e.Message);
    }
}
