using System.Text;
using ResGen.Config;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

public sealed record TinyConfig
{
    public int Width { get; init; } = 16;
    public int Depth { get; init; } = 2;
    public double LearningRate { get; init; } = 1e-2;
}

[Collection("torch")]
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("resgen-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Name(string name = "model") => Path.Combine(_dir, name);

    private static void AssertStateBitEqual(nn.Module a, nn.Module b)
    {
        var sb = b.state_dict();
        foreach (var (key, value) in a.state_dict())
        {
            TensorAssert.BitEqual(value, sb[key], key);
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void WeightsRoundTripBitExactly(ScalarType dtype)
    {
        torch.manual_seed(21);
        using var scope = torch.NewDisposeScope();
        var saved = new TinyMlp();
        var fresh = new TinyMlp();
        saved.to(dtype);
        fresh.to(dtype);
        var config = new TinyConfig { Depth = 2 };
        var paths = Checkpoint.Save(Name(), saved, "tokenizer", config, step: 42);

        Assert.True(File.Exists(paths.Weights) && File.Exists(paths.Sidecar));
        Assert.False(File.Exists(paths.Training));
        var info = Checkpoint.Load(Name() + ".safetensors", fresh, "tokenizer");
        AssertStateBitEqual(saved, fresh);
        Assert.Equal("tokenizer", info.Kind);
        Assert.Equal(42, info.Step);
        Assert.Equal("0.107.0", info.TorchSharpVersion);
        Assert.Equal(ConfigLoader.Hash(config), info.ConfigHash);
        Assert.True(DateTimeOffset.UtcNow - info.CreatedUtc < TimeSpan.FromMinutes(5));
        Assert.Equal(config, Checkpoint.LoadConfig<TinyConfig>(Name(), "tokenizer"));
        var keys = SafetensorsFile.ReadIndex(paths.Weights, "weights").Keys;
        Assert.Contains("blocks.0.up.weight", keys);
        Assert.Contains("embed.weight", keys);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void OverwritingWithASmallerModelLeavesNoStaleBytes()
    {
        torch.manual_seed(22);
        using var scope = torch.NewDisposeScope();
        Checkpoint.Save(Name(), new TinyMlp(width: 32, depth: 3), "resgen", new TinyConfig(), 1);
        var small = new TinyMlp(width: 8, depth: 1);
        var paths = Checkpoint.Save(Name(), small, "resgen", new TinyConfig { Width = 8 }, 2);
        var fresh = new TinyMlp(width: 8, depth: 1);
        Checkpoint.Load(Name(), fresh, "resgen");
        AssertStateBitEqual(small, fresh);
        SafetensorsFile.ReadIndex(paths.Weights, "weights");
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void MissingCheckpointAndMissingSidecarAreUserErrors()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<UserErrorException>(() => Checkpoint.Load(Name("nope"), new TinyMlp(), "tokenizer"));
        Assert.Contains("does not exist", e.Message);
        var paths = Checkpoint.Save(Name(), new TinyMlp(), "tokenizer", new TinyConfig(), 0);
        File.Delete(paths.Sidecar);
        e = Assert.Throws<UserErrorException>(() => Checkpoint.Load(Name(), new TinyMlp(), "tokenizer"));
        Assert.Contains("has no sidecar", e.Message);
    }

    [Fact]
    public void WrongKindIsNamed()
    {
        using var scope = torch.NewDisposeScope();
        Checkpoint.Save(Name(), new TinyMlp(), "resgen", new TinyConfig(), 0);
        var e = Assert.Throws<UserErrorException>(() => Checkpoint.Load(Name(), new TinyMlp(), "tokenizer"));
        Assert.Contains("is a resgen checkpoint, expected a tokenizer", e.Message);
        Assert.Throws<UserErrorException>(() => Checkpoint.LoadConfig<TinyConfig>(Name(), "classifier"));
    }

    [Fact]
    public void MismatchedModelListsKeysAndShapesWithoutTouchingTheModel()
    {
        torch.manual_seed(23);
        using var scope = torch.NewDisposeScope();
        Checkpoint.Save(Name(), new TinyMlp(width: 16, depth: 2), "resgen", new TinyConfig(), 0);
        var other = new TinyMlp(width: 8, depth: 3);
        var before = other.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var e = Assert.Throws<UserErrorException>(() => Checkpoint.Load(Name(), other, "resgen"));
        Assert.Contains("missing blocks.2.", e.Message);
        Assert.Contains("shape mismatch", e.Message);
        Assert.Contains("embed.weight (got [32, 16], expected [32, 8])", e.Message);
        foreach (var (key, value) in other.state_dict())
        {
            TensorAssert.BitEqual(before[key], value, key);
        }
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("tiny")]
    [InlineData("header-length")]
    [InlineData("header-json")]
    [InlineData("extra-bytes")]
    public void CorruptWeightsAreReportedAsTruncatedOrCorrupt(string damage)
    {
        using var scope = torch.NewDisposeScope();
        var paths = Checkpoint.Save(Name(), new TinyMlp(), "tokenizer", new TinyConfig(), 0);
        var bytes = File.ReadAllBytes(paths.Weights);
        byte[] damaged = damage switch
        {
            "truncate" => bytes[..^17],
            "tiny" => bytes[..5],
            "header-length" => [.. BitConverter.GetBytes(ulong.MaxValue / 2), .. bytes[8..]],
            "header-json" => [.. bytes[..8], .. Encoding.ASCII.GetBytes("{\"x\":"), .. bytes[13..]],
            _ => [.. bytes, 0, 0, 0],
        };
        File.WriteAllBytes(paths.Weights, damaged);
        var e = Assert.Throws<UserErrorException>(() => Checkpoint.Load(Name(), new TinyMlp(), "tokenizer"));
        Assert.Contains("truncated or corrupt", e.Message);
        Assert.Contains(paths.Weights, e.Message);
    }

    [Fact]
    public void CorruptSidecarIsAUserError()
    {
        using var scope = torch.NewDisposeScope();
        var paths = Checkpoint.Save(Name(), new TinyMlp(), "tokenizer", new TinyConfig(), 0);
        File.WriteAllText(paths.Sidecar, File.ReadAllText(paths.Sidecar)[..40]);
        var e = Assert.Throws<UserErrorException>(() => Checkpoint.ReadInfo(Name()));
        Assert.Contains("truncated or corrupt", e.Message);
        Assert.Contains(paths.Sidecar, e.Message);
    }

    [Fact]
    public void TrainingStateResumesBitExactly()
    {
        torch.manual_seed(24);
        using var scope = torch.NewDisposeScope();
        var (a, b) = TinyMlp.Twins();
        using var optA = new FlatAdamW(a, new FlatAdamWOptions { LearningRate = 1e-2 });
        using var emaA = new Ema(a, optA, decay: 0.9, warmup: true);
        void Train(TinyMlp m, FlatAdamW o, Ema e)
        {
            using var s = torch.NewDisposeScope();
            var (tokens, targets) = TinyMlp.Batch(); // consumes the RNG, so resuming must restore it
            o.ZeroGrad();
            m.Loss(tokens, targets).backward();
            o.ClipGradNorm(1.0);
            o.Step();
            e.Update();
        }

        for (var i = 0; i < 3; i++)
        {
            Train(a, optA, emaA);
        }

        using (var state = TrainingState.Capture(3, optA, emaA, seed: 24))
        {
            Checkpoint.Save(Name(), a, "resgen", new TinyConfig(), 3, state);
        }

        Train(a, optA, emaA);

        using var optB = new FlatAdamW(b, new FlatAdamWOptions { LearningRate = 1e-2 });
        using var emaB = new Ema(b, optB, decay: 0.9, warmup: true);
        Assert.True(Checkpoint.ReadInfo(Name()).HasTrainingState);
        Checkpoint.Load(Name(), b, "resgen");
        using (var resumed = Checkpoint.LoadTrainingState(Name()))
        {
            Assert.Equal(3, resumed.Step);
            Assert.Equal(24, resumed.Seed);
            Assert.True(resumed.HasRngState);
            resumed.Restore(optB, emaB);
        }

        Train(b, optB, emaB);
        AssertStateBitEqual(a, b);
        TensorAssert.BitEqual(optA.ExpAvgSq, optB.ExpAvgSq, "second moment");
        TensorAssert.BitEqual(emaA.Shadow, emaB.Shadow, "EMA");
        Assert.Equal(optA.StepCount, optB.StepCount);
    }

    [Fact]
    public void SavingWithoutTrainingStateRemovesAStaleOne()
    {
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        using var opt = new FlatAdamW(model);
        using (var state = TrainingState.Capture(1, opt))
        {
            Checkpoint.Save(Name(), model, "resgen", new TinyConfig(), 1, state);
        }

        var paths = Checkpoint.Save(Name(), model, "resgen", new TinyConfig(), 2);
        Assert.False(File.Exists(paths.Training));
        var e = Assert.Throws<UserErrorException>(() => Checkpoint.LoadTrainingState(Name()));
        Assert.Contains("without training state", e.Message);
    }

    [Fact]
    public void PathsAcceptAnyOfTheFileNames()
    {
        var expected = CheckpointPaths.For("runs/a/model");
        Assert.Equal("runs/a/model.safetensors", expected.Weights);
        Assert.Equal("runs/a/model.json", expected.Sidecar);
        Assert.Equal("runs/a/model.train.safetensors", expected.Training);
        Assert.Equal(expected, CheckpointPaths.For("runs/a/model.safetensors"));
        Assert.Equal(expected, CheckpointPaths.For("runs/a/model.json"));
        Assert.Equal(expected, CheckpointPaths.For("runs/a/model.train.safetensors"));
    }
}
