using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

/// <summary>
/// A run whose loss or weights go NaN stops with one sentence naming the step and the value, keeps
/// the last good checkpoint as it was and writes no model of the diverged weights.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class NonFiniteTrainingTests
{
    sealed record TinyConfig(int Width = 8);

    static TrainSettings Settings(double lr = 1e-2, double ema = 0) => new()
    {
        Steps = 30,
        BatchSize = 4,
        Lr = lr,
        WarmupSteps = 0,
        MinLr = 0,
        GradClip = 0,
        EmaDecay = ema,
        LogEvery = 1000,
        EvalEvery = 0,
        CheckpointEvery = 5,
    };

    /// <summary>Runs TinyMlp on random tokens; <paramref name="poison"/> may turn a step's loss non-finite.</summary>
    static UserErrorException Diverge(TempDirectory dir, TrainSettings settings, Func<long, Tensor, Tensor> poison)
    {
        torch.manual_seed(0);
        using var model = new TinyMlp();
        var loop = new TrainingLoop<TinyConfig>(model, "tiny", new TinyConfig(), settings, dir.Path)
        {
            Loss = (step, g) =>
            {
                var x = torch.randint(0, 32, [settings.BatchSize, 6], generator: g);
                var logits = model.forward(x);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, 32), x.reshape(-1));
                return new LossBreakdown(poison(step, loss), []);
            },
        };
        return Assert.Throws<UserErrorException>(() => loop.Run(resume: false));
    }

    /// <summary>Both files of the last checkpoint are from <paramref name="step"/> and load (their weights are finite).</summary>
    static void LastGoodCheckpointIs(TempDirectory dir, long step)
    {
        foreach (var name in new[] { "last", "model" })
        {
            using var fresh = new TinyMlp();
            var info = Checkpoint.Load(dir.File(name), fresh, "tiny");   // refuses NaN weights
            Assert.Equal(step, info.Step);
        }
    }

    [Fact]
    public void ANaNLossStopsTheRunAndKeepsTheLastGoodCheckpoint()
    {
        using var dir = new TempDirectory();
        var e = Diverge(dir, Settings(), (step, loss) => step >= 12 ? loss * double.NaN : loss);
        Assert.Contains("step 12", e.Message);
        Assert.Contains("loss NaN", e.Message);
        Assert.Contains("(step 10) is kept", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        LastGoodCheckpointIs(dir, 10);
    }

    [Fact]
    public void AnInfiniteLossBeforeTheFirstCheckpointWritesNothing()
    {
        using var dir = new TempDirectory();
        var e = Diverge(dir, Settings(ema: 0.9), (step, loss) => step >= 3 ? loss * double.PositiveInfinity : loss);
        Assert.Contains("step 3", e.Message);
        Assert.Contains("no checkpoint had been written yet", e.Message);
        Assert.False(File.Exists(dir.File("model.json")) || File.Exists(dir.File("last.json")));
    }

    [Fact]
    public void ALearningRateAtItsCapThatDivergesIsStopped()
    {
        // lr 10 and weight_decay 10, the largest values the config allows: decoupled decay multiplies
        // every weight matrix by 1 − lr·wd = −99 per step, so the weights overflow within a few steps
        using var dir = new TempDirectory();
        var e = Diverge(dir, Settings(lr: 10) with { WeightDecay = 10, Steps = 100, CheckpointEvery = 1 }, (_, loss) => loss);
        var bad = System.Text.RegularExpressions.Regex.Match(e.Message, @"non-finite (?:at|by) step (\d+)");
        Assert.True(bad.Success, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // checkpoints every step: the one kept is the step before the first bad one
        LastGoodCheckpointIs(dir, long.Parse(bad.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - 1);
    }
}
