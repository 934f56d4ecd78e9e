using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

[Collection("torch")]
public sealed class EmaTests
{
    private static Tensor Flatten(nn.Module module) =>
        torch.cat(module.parameters().Select(p => p.detach().reshape(-1)).ToList(), 0);

    private static void TrainStep(TinyMlp model, FlatAdamW opt)
    {
        using var scope = torch.NewDisposeScope();
        var (tokens, targets) = TinyMlp.Batch();
        opt.ZeroGrad();
        model.Loss(tokens, targets).backward();
        opt.Step();
    }

    [Fact]
    public void FlatEmaFollowsTheRecurrence()
    {
        torch.manual_seed(11);
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        using var opt = new FlatAdamW(model, new FlatAdamWOptions { LearningRate = 1e-2 });
        using var ema = new Ema(model, opt, decay: 0.8);
        var expected = opt.Master.clone();
        for (var i = 0; i < 5; i++)
        {
            TrainStep(model, opt);
            ema.Update();
            expected = 0.8 * expected + 0.2 * opt.Master;
        }

        Assert.Equal(5, ema.UpdateCount);
        Assert.True(TensorAssert.MaxDiff(expected, ema.Shadow) < 1e-6);
        Assert.True(TensorAssert.MaxDiff(opt.Master, ema.Shadow) > 1e-4, "the average should lag the weights");
    }

    [Fact]
    public void PerParameterEmaFollowsTheRecurrence()
    {
        torch.manual_seed(12);
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        using var ema = new Ema(model, decay: 0.5);
        var expected = Flatten(model).clone();
        for (var i = 0; i < 3; i++)
        {
            using (torch.no_grad())
            {
                foreach (var p in model.parameters())
                {
                    p.add_(torch.randn_like(p));
                }
            }

            ema.Update();
            expected = 0.5 * expected + 0.5 * Flatten(model);
        }

        Assert.True(TensorAssert.MaxDiff(expected, ema.Shadow) < 1e-6);
    }

    [Fact]
    public void WarmupRampsTheDecay()
    {
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        using var ema = new Ema(model, decay: 0.5, warmup: true);
        Assert.Equal(0.1, ema.CurrentDecay, 12);
        ema.Update();
        Assert.Equal(2.0 / 11, ema.CurrentDecay, 12);
        for (var i = 0; i < 20; i++)
        {
            ema.Update();
        }

        Assert.Equal(0.5, ema.CurrentDecay, 12);
        using var plain = new Ema(model, decay: 0.5);
        Assert.Equal(0.5, plain.CurrentDecay, 12);
    }

    [Fact]
    public void SwapInUsesTheAverageAndRestoresBitExactly()
    {
        torch.manual_seed(13);
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        model.to(ScalarType.BFloat16);
        using var opt = new FlatAdamW(model, new FlatAdamWOptions { LearningRate = 1e-2 });
        using var ema = new Ema(model, opt, decay: 0.5);
        for (var i = 0; i < 3; i++)
        {
            TrainStep(model, opt);
            ema.Update();
        }

        Assert.Equal(ScalarType.Float32, ema.Shadow.dtype);
        var training = opt.Parameters.Data.clone();
        using (ema.SwapIn())
        {
            Assert.Equal(0, TensorAssert.MaxDiff(ema.Shadow.to_type(ScalarType.BFloat16), opt.Parameters.Data));
            Assert.True(TensorAssert.MaxDiff(training, opt.Parameters.Data) > 0);
        }

        TensorAssert.BitEqual(training, opt.Parameters.Data, "restored weights");
    }

    [Fact]
    public void PerParameterSwapInRestoresAndCopyToFillsATwin()
    {
        torch.manual_seed(14);
        using var scope = torch.NewDisposeScope();
        var (model, twin) = TinyMlp.Twins();
        using var ema = new Ema(model, decay: 0.5);
        using (torch.no_grad())
        {
            foreach (var p in model.parameters())
            {
                p.mul_(3);
            }
        }

        ema.Update();
        var training = Flatten(model).clone();
        using (ema.SwapIn())
        {
            Assert.Equal(0, TensorAssert.MaxDiff(ema.Shadow, Flatten(model)));
        }

        TensorAssert.BitEqual(training, Flatten(model), "restored weights");
        ema.CopyTo(twin);
        Assert.Equal(0, TensorAssert.MaxDiff(ema.Shadow, Flatten(twin)));
        Assert.Throws<ArgumentException>(() => ema.CopyTo(new TinyMlp(width: 8)));
    }

    [Fact]
    public void StateDictRoundTripsAndRejectsOtherModels()
    {
        torch.manual_seed(15);
        using var scope = torch.NewDisposeScope();
        var (a, b) = TinyMlp.Twins();
        using var optA = new FlatAdamW(a);
        using var emaA = new Ema(a, optA, decay: 0.9, warmup: true);
        TrainStep(a, optA);
        emaA.Update();
        emaA.Update();

        using var emaB = new Ema(b, decay: 0.9, warmup: true);
        emaB.LoadStateDict(emaA.StateDict());
        Assert.Equal(2, emaB.UpdateCount);
        var sa = emaA.StateDict();
        foreach (var (key, value) in emaB.StateDict())
        {
            TensorAssert.BitEqual(sa[key], value, key);
        }

        using var other = new Ema(new TinyMlp(depth: 1));
        var e = Assert.Throws<UserErrorException>(() => other.LoadStateDict(emaA.StateDict()));
        Assert.Contains("unexpected weights.blocks.1", e.Message);
    }
}
