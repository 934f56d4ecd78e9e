using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Generation.Mixture;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Generation;

/// <summary>The recipe options of ResGen: affine head, token-weighted loss, per-count target scaling, consistent tokens, sampled codes.</summary>
[Collection(TorchCollection.Name)]
public sealed class ResGenRecipeTests
{
    static AffineComponents RandomAffine(Generator g, long n = 3, int m = 5, int d = 4)
        => new(torch.randn(n, d, generator: g), torch.randn(n, d, generator: g) * 0.3, torch.randn(m, d, generator: g),
               torch.randn(m, d, generator: g) * 0.3 - 0.5);

    [Fact]
    public void AffineLogLikelihoodIsTheMixtureFormulaWrittenOut()
    {
        var g = new Generator(1);
        var a = RandomAffine(g);
        var logits = torch.randn(3, 5, generator: g);
        var z = torch.randn(3, 4, generator: g);
        var got = new MixtureParams(logits, a).JointLogLikelihood(z);
        var logPi = torch.nn.functional.log_softmax(logits, -1);
        for (int n = 0; n < 3; n++)
            for (int c = 0; c < 5; c++)
            {
                double expected = logPi[n, c].item<float>();
                for (int j = 0; j < 4; j++)
                {
                    double gain = a.LogGain[n, j].item<float>(), ls = gain + a.PrototypeLogScales[c, j].item<float>();
                    double mu = a.Shift[n, j].item<float>() + Math.Exp(gain) * a.Prototypes[c, j].item<float>();
                    expected += -0.5 * Math.Pow((z[n, j].item<float>() - mu) / Math.Exp(ls), 2) - ls - 0.5 * Math.Log(2 * Math.PI);
                }
                Assert.Equal(expected, got[n, c].item<float>(), 3e-4);
            }
    }

    [Fact]
    public void AffineMixtureActsAsItsMaterialisedComponents()
    {
        var g = new Generator(2);
        var a = RandomAffine(g, n: 6);
        var logits = torch.randn(6, 5, generator: g);
        var lazy = new MixtureParams(logits.reshape(2, 3, 5), a with { Shift = a.Shift.reshape(2, 3, 4), LogGain = a.LogGain.reshape(2, 3, 4) });
        var full = new MixtureParams(lazy.Logits, a.Means().reshape(2, 3, 5, 4), a.LogScales().reshape(2, 3, 5, 4));
        var z = torch.randn(2, 3, 4, generator: g);
        Assert.True(torch.allclose(full.JointLogLikelihood(z), lazy.JointLogLikelihood(z), 1e-4, 1e-4));
        var pick = torch.tensor(new long[] { 0, 4, 2, 1, 1, 3 }).reshape(2, 3);
        var (m1, s1) = lazy.Component(pick);
        var (m2, s2) = full.Component(pick);
        Assert.True(torch.allclose(m1, m2, 1e-5, 1e-5) && torch.allclose(s1, s2, 1e-5, 1e-5));
        var unit = torch.tensor(new[] { 1f, 2f, 0.5f, 3f, 1f, 0.25f }).reshape(2, 3);
        var (ls, fs) = (lazy.Scaled(unit), full.Scaled(unit));
        Assert.True(torch.allclose(ls.Means, fs.Means, 1e-5, 1e-5) && torch.allclose(ls.LogScales, fs.LogScales, 1e-5, 1e-5));
        var rows = lazy.Select(torch.tensor(new long[] { 5, 0 }));
        Assert.True(torch.allclose(rows.Means, full.Select(torch.tensor(new long[] { 5, 0 })).Means, 1e-5, 1e-5));
        Assert.True(torch.allclose(lazy.Rows(1, 1).LogScales, full.Rows(1, 1).LogScales, 1e-5, 1e-5));
    }

    [Fact]
    public void AffineHeadTrainsWithManyComponentsAndFewParameters()
    {
        var model = Tiny(head: MixtureHeadKind.Affine, components: 256);
        var lowRank = Tiny(components: 256);
        long affine = ResGen.Nn.ModuleSize.Parameters(model.Module), low = ResGen.Nn.ModuleSize.Parameters(lowRank.Module);
        Assert.True(affine < low, $"affine {affine} vs low-rank {low} parameters");
        var g = new Generator(3);
        var idx = torch.randint(16, [16, 9, 4], generator: g);
        var labels = new ClassCondition(torch.randint(3, [16], generator: g));
        var opt = torch.optim.Adam(model.Network.parameters(), 3e-3);
        double first = 0, last = 0;
        for (int i = 0; i < 100; i++)
        {
            using var scope = torch.NewDisposeScope();
            var loss = model.Loss(new TokenBatch(idx), labels, new Generator(100));
            opt.zero_grad();
            loss.Loss.backward();
            opt.step();
            if (i == 0) first = loss.Loss.item<float>();
            last = loss.Loss.item<float>();
        }
        Assert.True(last < first - 0.5, $"loss went from {first:F3} to {last:F3}");
        var r = model.Sample(new SampleRequest(ClassCondition.Of([0, 2]), new SamplerSettings { Steps = 4, Guidance = 1, MixtureGuidance = MixtureGuidance.Tilt }), new Generator(3));
        Assert.Equal(new long[] { 2, 9, 4 }, r.Indices.shape);
    }

    [Fact]
    public void TokenWeightedLossCountsMaskedTokensAndTheNllStaysPerPosition()
    {
        // one component, so the loss is the Gaussian NLL: positions with k = 0, 1, 3 masked tokens
        var means = torch.tensor(new[] { 0f, 0f, 1f, 1f, 2f, 0f }).reshape(1, 3, 1, 2);
        var p = new MixtureParams(torch.zeros(1, 3, 1), means, torch.zeros(1, 3, 1, 2));
        var target = torch.tensor(new[] { 5f, 5f, 1f, 2f, 0f, 0f }).reshape(1, 3, 2);
        var k = torch.tensor(new long[] { 0, 1, 3 }).reshape(1, 3);
        double c = Math.Log(2 * Math.PI);
        double nll1 = 0.5 * (0 + 1) + c, nll2 = 0.5 * (4 + 0) + c;           // summed over the two dimensions
        var plain = Parts(MixtureLoss.Compute(p, target, k > 0));
        var tokens = Parts(MixtureLoss.Compute(p, target, k > 0, k.to(ScalarType.Float32)));
        Assert.Equal((nll1 + nll2) / 2 / 2, plain["loss"], 4);
        Assert.Equal((1 * nll1 + 3 * nll2) / 4 / 2, tokens["loss"], 4);
        Assert.Equal(plain["nll"], tokens["nll"], 5);
        Assert.Equal((nll1 + nll2) / 2 / 2, tokens["nll"], 4);

        static Dictionary<string, double> Parts(ResGen.Training.LossBreakdown l)
        {
            var d = l.Parts.ToDictionary(x => x.Name, x => (double)x.Value.item<float>());
            d["loss"] = l.Loss.item<float>();
            return d;
        }
    }

    [Fact]
    public void TokenWeightingChangesTheLossButNotTheMasksOrTheNll()
    {
        var (a, b) = (Tiny(), Tiny(weighting: LossWeighting.Tokens));
        var g = new Generator(4);
        var batch = new TokenBatch(torch.randint(16, [8, 9, 4], generator: g));
        var labels = new ClassCondition(torch.randint(3, [8], generator: g));
        a.Module.eval();
        b.Module.eval();
        var la = a.Loss(batch, labels, new Generator(5));
        var lb = b.Loss(batch, labels, new Generator(5));
        Assert.Equal(la.Parts[0].Value.item<float>(), lb.Parts[0].Value.item<float>(), 5);
        Assert.NotEqual(la.Loss.item<float>(), lb.Loss.item<float>());
    }

    [Fact]
    public void PerCountScalingMeasuresEachMaskedCountAndPutsItsOutputsInThatUnit()
    {
        var model = Tiny(scaling: TargetScaling.PerCount);
        var plain = Tiny();
        var g = new Generator(6);
        var idx = torch.randint(16, [20, 9, 4], generator: g);
        var scales = LatentScaleBuffer.MeasureByCount(model.Quantizer, idx);
        for (int k = 1; k <= 4; k++)
        {
            var (_, masked) = model.Quantizer.EmbedSplit(idx, torch.full(20, 9, 4 - k, ScalarType.Int64));
            Assert.Equal(masked.pow(2).mean().sqrt().item<float>(), scales[k - 1], 4);
        }
        Assert.True(scales[0] < scales[^1]);
        Assert.Contains("masked-sum scales", model.MeasureScales(model.Quantizer, idx));
        plain.MeasureScales(plain.Quantizer, idx);
        model.Network.SetLatentScale(1f);
        plain.Network.SetLatentScale(1f);
        model.Module.eval();
        plain.Module.eval();
        var x = torch.randn(2, 9, 4, generator: g);
        var counts = torch.tensor(new long[] { 1, 2, 3, 4, 1, 2, 3, 4, 0, 4, 4, 4, 3, 3, 2, 2, 1, 1 }).reshape(2, 9);
        var cond = ClassCondition.Of([0, 1]);
        var ps = model.Network.forward(x, counts, null, cond);
        var pu = plain.Network.forward(x, counts, null, cond);
        var unit = torch.tensor([1f, .. scales]).index_select(0, counts.reshape(-1)).reshape(2, 9, 1, 1);
        Assert.True(torch.allclose(ps.Means, pu.Means * unit, 1e-5, 1e-6));
        Assert.True(torch.allclose(ps.LogScales, pu.LogScales + unit.log(), 1e-5, 1e-5));
        TensorAssert.Equal(pu.Logits, ps.Logits);
    }

    [Fact]
    public void ReencodedTokensRequantizeToThemselvesFromEveryDepth()
    {
        // random tokens of codebooks that shrink by 0.6 a depth: greedy encoding of their code sums often disagrees
        var q = TestQuantizers.Fixed(4, 16, 3, seed: 12, decay: 0.6f);
        var idx = torch.randint(16, [300, 4], generator: new Generator(7));
        var before = GreedyConsistency.Recovery(q, idx);
        Assert.Equal(4, before.Count);
        Assert.Equal(1.0, before[^1].FirstDepth);                     // one masked depth: the nearest code of a code is itself
        Assert.Contains(before, r => r.AllDepths < 0.9);
        var again = GreedyConsistency.Reencode(q, idx);
        Assert.True(again.ChangedShare > 0 && again.SumShift > 0 && again.UnsettledShare < 0.05, again.ToString());
        // every settled position re-quantizes to itself from every depth
        var after = GreedyConsistency.Recovery(q, again.Indices);
        Assert.All(after, r => Assert.True(r.AllDepths >= 1 - again.UnsettledShare - 1e-9, r.ToString()));
        Assert.True(after.Average(r => r.AllDepths) > before.Average(r => r.AllDepths) + 0.05);
        if (again.UnsettledShare == 0)
        {
            var same = GreedyConsistency.Reencode(q, again.Indices);
            Assert.Equal(0.0, same.ChangedShare);
            Assert.Equal(1, same.Rounds);
        }
    }

    [Fact]
    public void SampledCodesAreNearestAtTinyVarianceVaryAtLargeAndKeepScoresFalling()
    {
        var q = TestQuantizers.Fixed(4, 16, 3, seed: 13);
        using var rq = new Requantizer(q);
        var g = new Generator(8);
        var idx = torch.randint(16, [200, 4], generator: g);
        var start = torch.randint(4, [200], generator: g);
        var target = torch.randn(200, 3, generator: g);
        var (nearest, _) = rq.Requantize(idx, start, target);
        var (tiny, tinyLp) = rq.RequantizeScored(idx, start, target, torch.full(200, 1e-6f), new Generator(9));
        TensorAssert.Equal(nearest, tiny);
        var (wide, lp) = rq.RequantizeScored(idx, start, target, torch.full(200, 1f), new Generator(9));
        Assert.True(wide.ne(nearest).any().item<bool>());
        Assert.True(lp.le(0).all().item<bool>() && tinyLp.le(1e-6).all().item<bool>());
        // kept depths are kept and score 0, so a position's cumulative score never rises with depth
        var kept = torch.arange(4).unsqueeze(0) < start.unsqueeze(1);
        TensorAssert.Equal(idx.masked_select(kept), wide.masked_select(kept));
        Assert.True(lp.masked_select(kept).eq(0).all().item<bool>());
        var cumulative = lp.cumsum(1);
        Assert.True((cumulative[.., 1..] - cumulative[.., ..^1]).le(0).all().item<bool>());
    }

    [Fact]
    public void SamplingWithSampledCodesNeverChangesOrHidesARevealedToken()
    {
        var model = Tiny();
        var request = new SampleRequest(ClassCondition.Of([0, 1, 2, 0]), new SamplerSettings { Steps = 4, Guidance = 0, CodeChoice = CodeChoice.Sample }) { KeepSteps = true };
        var r = model.Sample(request, new Generator(3));
        var final = r.Indices;
        var before = torch.zeros(4, 9, ScalarType.Int64);
        foreach (var step in r.Steps)
        {
            Assert.True(step.Visible.ge(before).all().item<bool>());
            var revealed = torch.arange(4).reshape(1, 1, 4) < step.Visible.unsqueeze(-1);
            TensorAssert.Equal(final.masked_select(revealed), step.Indices.masked_select(revealed));
            before = step.Visible;
        }
        Assert.True(before.eq(4).all().item<bool>());
        var nearest = model.Sample(request with { Settings = request.Settings with { CodeChoice = CodeChoice.Nearest } }, new Generator(3));
        Assert.True(nearest.Indices.ne(final).any().item<bool>());
    }

    [Fact]
    public void TheShippedResGenSamplesTheTokensItSampledBeforeTheOptionsExisted()
    {
        // defaults keep old checkpoints sampling exactly as before the recipe options (`resgen sample` wrote
        // the same PNG bytes with both builds); this digest pins the shipped model's tokens from then on
        string root = Repo.Root();
        var s = ImageSampling.Load(Path.Combine(root, "models/resgen"), Path.Combine(root, "models/tokenizer"), torch.CPU);
        var settings = s.Config.Sample with { Steps = 4 };
        var r = s.Generator.Sample(new SampleRequest(ClassCondition.Of([0, 7]), settings), new Generator(5));
        var bytes = r.Indices.to(ScalarType.Int64).contiguous().data<long>().ToArray().SelectMany(BitConverter.GetBytes).ToArray();
        Assert.Equal(ShippedDigest, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16]);
    }

    const string ShippedDigest = "EA58332190338300";

    internal static ResGenModel Tiny(MixtureHeadKind head = MixtureHeadKind.LowRank, int components = 4, LossWeighting weighting = LossWeighting.Positions,
        TargetScaling scaling = TargetScaling.Global)
    {
        torch.manual_seed(0);
        var rvq = TestQuantizers.Fixed(4, 16, 4);
        var net = new ResGenNetwork(new ResGenModelConfig
        {
            Width = 32,
            Layers = 2,
            Heads = 2,
            MixtureComponents = components,
            HeadRank = 8,
            Classes = 3,
            Head = head,
            LossWeighting = weighting,
            TargetScaling = scaling,
        }, new TokenLayout { GridHeight = 3, GridWidth = 3, Depth = 4, CodebookSize = 16, CodeDim = 4 });
        return new ResGenModel(net, rvq);
    }
}
