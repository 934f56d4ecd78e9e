using ResGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

[Collection("torch")]
public sealed class FlatAdamWTests
{
    private static optim.Optimizer StockAdamW(nn.Module module, double lr, double weightDecay) =>
        torch.optim.AdamW(
            [
                new AdamW.ParamGroup(module.parameters().Where(p => p.dim() >= 2), lr: lr, weight_decay: weightDecay),
                new AdamW.ParamGroup(module.parameters().Where(p => p.dim() < 2), lr: lr, weight_decay: 0),
            ],
            lr: lr);

    [Fact]
    public void ParametersAndGradientsAreViewsOfTheFlatBuffers()
    {
        torch.manual_seed(1);
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        var before = model.named_parameters().ToDictionary(x => x.name, x => x.parameter.detach().clone());
        using var opt = new FlatAdamW(model);
        var flat = opt.Parameters;

        Assert.Equal(model.parameters().Sum(p => p.numel()), flat.Count);
        Assert.True(flat.Slots.Take(flat.Slots.Count(s => s.Decay)).All(s => s.Decay), "decaying slots come first");
        Assert.Equal(flat.Slots.Where(s => s.Decay).Sum(s => s.Count), flat.DecayCount);
        foreach (var slot in flat.Slots)
        {
            Assert.Equal(slot.Shape.Length >= 2, slot.Decay);
        }

        // Values survived binding, and writing the flat buffer changes the module's parameters.
        var named = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        foreach (var (name, value) in before)
        {
            Assert.Equal(0, TensorAssert.MaxDiff(value, named[name]));
        }

        using (torch.no_grad())
        {
            flat.Data.fill_(0.25f);
        }

        Assert.All(model.parameters(), p => Assert.Equal(0.25f, p.mean().item<float>()));

        // Backward accumulates into the flat gradient.
        var (tokens, targets) = TinyMlp.Batch();
        model.Loss(tokens, targets).backward();
        Assert.True(flat.Grad.abs().sum().item<float>() > 0);
        foreach (var slot in flat.Slots)
        {
            Assert.Equal(0, TensorAssert.MaxDiff(named[slot.Name].grad!, FlatParameters.SlotView(flat.Grad, slot)));
        }

        opt.ZeroGrad();
        Assert.Equal(0, flat.Grad.abs().sum().item<float>());
    }

    [Fact]
    public void StepsMatchStockAdamW()
    {
        torch.manual_seed(2);
        using var scope = torch.NewDisposeScope();
        var (flatModel, stockModel) = TinyMlp.Twins();
        using var flat = new FlatAdamW(flatModel, new FlatAdamWOptions { LearningRate = 1e-2, WeightDecay = 0.1 });
        var stock = StockAdamW(stockModel, 1e-2, 0.1);
        double[] lrs = [1e-2, 5e-3, 2e-2, 1e-3, 1e-2, 3e-3];
        foreach (var lr in lrs)
        {
            using var step = torch.NewDisposeScope();
            var (tokens, targets) = TinyMlp.Batch();
            flat.ZeroGrad();
            flatModel.Loss(tokens, targets).backward();
            flat.Step(lr);

            stock.zero_grad();
            stockModel.Loss(tokens, targets).backward();
            foreach (var group in stock.ParamGroups)
            {
                group.LearningRate = lr;
            }

            stock.step();
        }

        Assert.Equal(lrs.Length, flat.StepCount);
        TensorAssert.ModulesClose(flatModel, stockModel, 1e-6);
    }

    [Fact]
    public void WeightDecayOnlyTouchesChosenParameters()
    {
        torch.manual_seed(3);
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        var before = model.named_parameters().ToDictionary(x => x.name, x => x.parameter.detach().clone());
        using var opt = new FlatAdamW(model, new FlatAdamWOptions
        {
            WeightDecay = 0.5,
            DecayFilter = (name, p) => p.dim() >= 2 && !name.StartsWith("embed", StringComparison.Ordinal),
        });
        opt.ZeroGrad();
        opt.Step(0.1); // zero gradient: only weight decay moves anything

        foreach (var (name, p) in model.named_parameters())
        {
            var decays = p.dim() >= 2 && !name.StartsWith("embed", StringComparison.Ordinal);
            var expected = decays ? before[name] * 0.95 : before[name];
            Assert.True(TensorAssert.MaxDiff(expected, p) < 1e-7, $"{name} (decays: {decays})");
        }
    }

    [Fact]
    public void ClipGradNormMatchesStockClipping()
    {
        torch.manual_seed(4);
        using var scope = torch.NewDisposeScope();
        var (flatModel, stockModel) = TinyMlp.Twins();
        using var opt = new FlatAdamW(flatModel);
        var (tokens, targets) = TinyMlp.Batch();
        opt.ZeroGrad();
        flatModel.Loss(tokens, targets).backward();
        stockModel.Loss(tokens, targets).backward();

        var unclipped = opt.GradNorm().item<float>();
        var norm = opt.ClipGradNorm(0.1);
        var stockNorm = torch.nn.utils.clip_grad_norm_(stockModel.parameters(), 0.1);

        Assert.Equal(0, norm.dim());
        Assert.True(unclipped > 0.1, $"test needs a gradient norm above the limit, got {unclipped}");
        Assert.Equal(stockNorm, norm.item<float>(), 1e-4);
        Assert.Equal(0.1, opt.GradNorm().item<float>(), 1e-4);
        var stockGrads = stockModel.named_parameters().ToDictionary(x => x.name, x => x.parameter.grad!);
        foreach (var (name, p) in flatModel.named_parameters())
        {
            Assert.True(TensorAssert.MaxDiff(stockGrads[name], p.grad!) < 1e-7, name);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => opt.ClipGradNorm(0));
    }

    [Fact]
    public void ZeroGradRebindsAfterModuleZeroGrad()
    {
        torch.manual_seed(5);
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        using var opt = new FlatAdamW(model);
        model.zero_grad(); // sets grads to null, detaching them from the flat buffer
        opt.ZeroGrad();
        var (tokens, targets) = TinyMlp.Batch();
        model.Loss(tokens, targets).backward();
        Assert.True(opt.Parameters.Grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void StateDictRoundTripResumesIdentically()
    {
        torch.manual_seed(6);
        using var scope = torch.NewDisposeScope();
        var (a, b) = TinyMlp.Twins();
        using var optA = new FlatAdamW(a, new FlatAdamWOptions { LearningRate = 1e-2 });
        for (var i = 0; i < 3; i++)
        {
            var (t, y) = TinyMlp.Batch();
            optA.ZeroGrad();
            a.Loss(t, y).backward();
            optA.Step();
        }

        b.load_state_dict(a.state_dict());
        using var optB = new FlatAdamW(b, new FlatAdamWOptions { LearningRate = 1e-2 });
        var state = optA.StateDict();
        Assert.Contains("exp_avg.head.weight", state.Keys);
        Assert.Contains("exp_avg_sq.blocks.0.norm.bias", state.Keys);
        optB.LoadStateDict(state);
        Assert.Equal(3, optB.StepCount);

        var (tokens, targets) = TinyMlp.Batch();
        foreach (var (model, opt) in new[] { (a, optA), (b, optB) })
        {
            opt.ZeroGrad();
            model.Loss(tokens, targets).backward();
            opt.Step();
        }

        TensorAssert.ModulesClose(a, b, 0);
    }

    [Fact]
    public void LoadStateDictRejectsAnotherModel()
    {
        torch.manual_seed(7);
        using var scope = torch.NewDisposeScope();
        using var small = new FlatAdamW(new TinyMlp(width: 16));
        using var wide = new FlatAdamW(new TinyMlp(width: 8, depth: 3));
        var e = Assert.Throws<UserErrorException>(() => wide.LoadStateDict(small.StateDict()));
        Assert.Contains("missing exp_avg.blocks.2", e.Message);
        Assert.Contains("shape mismatch", e.Message);
        Assert.Matches(@"got \[(\d+, )?16\], expected \[(\d+, )?8\]", e.Message);
    }

    [Fact]
    public void BFloat16ModelKeepsFloat32MasterWeights()
    {
        torch.manual_seed(8);
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        model.to(ScalarType.BFloat16);
        using var opt = new FlatAdamW(model, new FlatAdamWOptions { LearningRate = 1e-2 });
        Assert.True(opt.HasMasterCopy);
        Assert.Equal(ScalarType.Float32, opt.Master.dtype);
        Assert.Equal(ScalarType.BFloat16, opt.Parameters.Data.dtype);

        var (tokens, targets) = TinyMlp.Batch();
        float first = 0, last = 0;
        for (var i = 0; i < 30; i++)
        {
            using var step = torch.NewDisposeScope();
            opt.ZeroGrad();
            var loss = model.Loss(tokens, targets);
            loss.backward();
            opt.ClipGradNorm(1.0);
            opt.Step();
            last = loss.to_type(ScalarType.Float32).item<float>();
            first = i == 0 ? last : first;
        }

        Assert.True(last < first * 0.8, $"loss should fall: {first} -> {last}");
        Assert.Equal(0, TensorAssert.MaxDiff(opt.Master.to_type(ScalarType.BFloat16), opt.Parameters.Data));
        // The master holds information the bf16 copy cannot.
        Assert.True(TensorAssert.MaxDiff(opt.Master, opt.Parameters.Data) > 0);
        Assert.Contains("master.head.weight", opt.StateDict().Keys);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        using var scope = torch.NewDisposeScope();
        var model = new TinyMlp();
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlatAdamW(model, new FlatAdamWOptions { Beta1 = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlatAdamW(model, new FlatAdamWOptions { LearningRate = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlatAdamW(model, new FlatAdamWOptions { Eps = 0 }));
    }
}
