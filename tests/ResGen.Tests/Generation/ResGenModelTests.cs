using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Generation;

[Collection(TorchCollection.Name)]
public sealed class ResGenModelTests
{
    internal static ResGenModel Tiny(int depth = 4, int seed = 0)
    {
        torch.manual_seed(seed);
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = depth, CodebookSize = 16, CodeDim = 4 });
        using (torch.no_grad())
        {
            var g = new Generator(11);
            for (int j = 0; j < depth; j++) rvq.Codebooks[j].copy_(torch.randn(16, 4, generator: g) * MathF.Pow(0.5f, j));
        }
        rvq.eval();
        var net = new ResGenNetwork(new ResGenModelConfig { Width = 32, Layers = 2, Heads = 2, MixtureComponents = 4, HeadRank = 8, Classes = 3 },
                                    new TokenLayout { GridHeight = 3, GridWidth = 3, Depth = depth, CodebookSize = 16, CodeDim = 4 });
        return new ResGenModel(net, rvq);
    }

    [Fact]
    public void LossOfATinyModelFallsOnAFixedBatch()
    {
        var model = Tiny();
        var g = new Generator(1);
        var idx = torch.randint(16, [16, 9, 4], generator: g);
        var labels = torch.randint(3, [16], generator: g);
        var opt = torch.optim.Adam(model.Network.parameters(), 3e-3);
        double first = 0, last = 0;
        for (int i = 0; i < 150; i++)
        {
            using var scope = torch.NewDisposeScope();
            var lg = new Generator(100);          // the same masks every step: a fixed batch
            var loss = model.Loss(new TokenBatch(idx), new ClassCondition(labels), lg);
            opt.zero_grad();
            loss.Loss.backward();
            opt.step();
            if (i == 0) first = loss.Loss.item<float>();
            last = loss.Loss.item<float>();
            Assert.False(double.IsNaN(last));
        }
        Assert.True(last < first - 0.5, $"loss went from {first:F3} to {last:F3}");
    }

    [Fact]
    public void NllByMaskedDepthsSplitsTheValidationNll()
    {
        var model = Tiny();
        model.Module.eval();
        var g = new Generator(3);
        var tokens = new TokenBatch(torch.randint(16, [32, 9, 4], generator: g));
        var labels = new ClassCondition(torch.randint(3, [32], generator: g));
        var levels = ResGen.Evaluation.MaskedDepthNlls.Measure(model, tokens, labels, seed: 7, repeats: 1);
        Assert.Equal([1, 2, 3, 4], levels.Select(l => l.MaskedDepths));
        Assert.All(levels, l => Assert.True(l.Positions > 0 && double.IsFinite(l.Nll) && double.IsFinite(l.LogScale), l.ToString()));
        // the same masks as the loss draws from the same seed: the position-weighted mean is its NLL
        float nll;
        using (torch.no_grad()) nll = model.Loss(tokens, labels, new Generator(7)).Parts.First(p => p.Name == "nll").Value.item<float>();
        double mean = levels.Sum(l => l.Nll * l.Positions) / levels.Sum(l => l.Positions);
        Assert.Equal(nll, mean, 4);
        Assert.False(model.Module.training);
    }

    [Fact]
    public void LossPartsAreConsistent()
    {
        var model = Tiny();
        var g = new Generator(2);
        var loss = model.Loss(new TokenBatch(torch.randint(16, [8, 9, 4], generator: g)), new ClassCondition(torch.randint(3, [8], generator: g)), g);
        var parts = loss.Parts.ToDictionary(p => p.Name, p => p.Value.item<float>());
        // classification + regression = NLL + entropy of the responsibilities >= NLL
        Assert.True(parts["cls"] + parts["reg"] >= parts["nll"] - 1e-4);
        Assert.Equal(parts["cls"] + parts["reg"], loss.Loss.item<float>(), 4);
    }

    [Fact]
    public void SampledGridsAreCompleteAndDecodable()
    {
        var model = Tiny();
        var r = model.Sample(new SampleRequest(ClassCondition.Of([0, 2]), new SamplerSettings { Steps = 4, Guidance = 1 }), new Generator(3));
        Assert.Equal(new long[] { 2, 9, 4 }, r.Indices.shape);
        Assert.True(r.Indices.min().item<long>() >= 0 && r.Indices.max().item<long>() < 16);
        Assert.Equal(8, r.NetworkPasses);
    }

    [Fact]
    public void MismatchedTokenizerIsAUserError()
    {
        var model = Tiny();
        var other = new ResidualVectorQuantizer(new RvqConfig { Depth = 8, CodebookSize = 16, CodeDim = 4 });
        Assert.Throws<UserErrorException>(() => new ResGenModel(model.Network, other));
    }
}
