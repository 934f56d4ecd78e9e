using ResGen.Generation;
using ResGen.Generation.Mixture;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Generation;

[Collection(TorchCollection.Name)]
public sealed class MixtureGuidanceTests
{
    static MixtureParams Random(long seed, int m = 4, int d = 5)
    {
        var g = new Generator((ulong)seed);
        return new MixtureParams(torch.randn(2, 3, m, generator: g) * 2, torch.randn(2, 3, m, d, generator: g) * 3,
            torch.randn(2, 3, m, d, generator: g) * 0.5 - 1);
    }

    /// <summary>log Σ_m π_m N(z; μ_m, σ_m²) written out point by point, in float64.</summary>
    static double Reference(MixtureParams p, int b, int l, Tensor z)
    {
        var logPi = torch.nn.functional.log_softmax(p.Logits[b, l].to(ScalarType.Float64), 0);
        long m = p.Logits.shape[^1], d = p.Means.shape[^1];
        var terms = new double[m];
        for (int c = 0; c < m; c++)
        {
            double s = logPi[c].item<double>();
            for (int j = 0; j < d; j++)
            {
                double mu = p.Means[b, l, c, j].item<float>(), ls = p.LogScales[b, l, c, j].item<float>(), x = z[j].item<float>();
                s += -0.5 * Math.Pow((x - mu) / Math.Exp(ls), 2) - ls - 0.5 * Math.Log(2 * Math.PI);
            }
            terms[c] = s;
        }
        double top = terms.Max();
        return top + Math.Log(terms.Sum(t => Math.Exp(t - top)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogDensityIsTheMixtureDensityWrittenOut(bool centred)
    {
        var p = Random(1);
        var z = Random(2).Means;                                       // 4 points per row
        var got = p.LogDensity(z, centred ? z.mean([-2]) : null);
        Assert.Equal(new long[] { 2, 3, 4 }, got.shape);
        for (int b = 0; b < 2; b++)
            for (int l = 0; l < 3; l++)
                for (int q = 0; q < 4; q++)
                    Assert.Equal(Reference(p, b, l, z[b, l, q]), got[b, l, q].item<float>(), 2e-3);
    }

    [Fact]
    public void WithoutGuidanceEveryMethodDrawsFromTheConditionalNucleus()
    {
        var cond = Random(3);
        var same = cond.Guide(Random(4), 0);
        Assert.Null(same.Unconditional);
        foreach (var method in MixtureGuidance.Names)
        {
            var (logProbs, resolved) = MixtureGuidance.Resolve(same, method, 0.8f);
            var means = resolved.Means;
            TensorAssert.Equal(MixtureGuidance.Nucleus(cond.Logits, 0.8f), logProbs);
            TensorAssert.Equal(cond.Means, means);
        }
    }

    [Fact]
    public void ExtrapolateMovesLogitsAndMeansAndLogitsOnlyTheLogits()
    {
        var (cond, uncond) = (Random(5), Random(6));
        var guided = cond.Guide(uncond, 1.5f);
        var (lp, resolved) = MixtureGuidance.Resolve(guided, MixtureGuidance.Extrapolate, 1f);
        var (means, scales) = (resolved.Means, resolved.LogScales);
        TensorAssert.Equal(MixtureGuidance.Nucleus(cond.Logits + 1.5f * (cond.Logits - uncond.Logits), 1f), lp);
        Assert.True(torch.allclose(means, cond.Means + 1.5f * (cond.Means - uncond.Means)));
        TensorAssert.Equal(cond.LogScales, scales);
        var (lp2, resolved2) = MixtureGuidance.Resolve(guided, MixtureGuidance.Logits, 1f);
        var means2 = resolved2.Means;
        TensorAssert.Equal(lp, lp2);
        TensorAssert.Equal(cond.Means, means2);
    }

    [Fact]
    public void TiltReweightsTheNucleusByTheDensityRatioAtTheMeans()
    {
        // component probabilities 0.6, 0.3, 0.1: top-p 0.85 keeps the first two
        var logits = torch.tensor(new[] { 0.6f, 0.3f, 0.1f }).log().reshape(1, 1, 3);
        var g = new Generator(7);
        var cond = new MixtureParams(logits, torch.randn(1, 1, 3, 2, generator: g), torch.full(1, 1, 3, 2, -0.5f));
        var uncond = new MixtureParams(torch.zeros(1, 1, 3), torch.randn(1, 1, 3, 2, generator: g), torch.full(1, 1, 3, 2, 0f));
        float w = 0.75f;
        var (lp, resolved) = MixtureGuidance.Resolve(cond.Guide(uncond, w), MixtureGuidance.Tilt, 0.85f);
        var means = resolved.Means;
        TensorAssert.Equal(cond.Means, means);
        Assert.True(float.IsNegativeInfinity(lp[0, 0, 2].item<float>()));
        var weights = new double[2];
        for (int c = 0; c < 2; c++)
        {
            var at = cond.Means[0, 0, c];
            weights[c] = Math.Log(new[] { 0.6, 0.3 }[c]) + w * (Reference(cond, 0, 0, at) - Reference(uncond, 0, 0, at));
        }
        double norm = Math.Log(weights.Sum(v => Math.Exp(v - weights.Max()))) + weights.Max();
        for (int c = 0; c < 2; c++) Assert.Equal(weights[c] - norm, lp[0, 0, c].item<float>(), 1e-4);
    }

    [Fact]
    public void ADrawNeverPicksAComponentOutsideTheNucleus()
    {
        var (cond, uncond) = (Random(8, m: 6), Random(9, m: 6));
        var guided = cond.Guide(uncond, 2f);
        var (lp, _) = MixtureGuidance.Resolve(guided, MixtureGuidance.Tilt, 0.5f);
        var draw = ComponentDraw.Draw(guided, 0.5f, 0f, new Generator(10), MixtureGuidance.Tilt);
        Assert.True(draw.LogProb.isfinite().all().item<bool>());
        var chosen = torch.isfinite(lp).sum(-1);
        Assert.True(chosen.ge(1).all().item<bool>());
    }

    [Fact]
    public void AnUnknownMethodIsAUserError()
        => Assert.Throws<UserErrorException>(() => new SamplerSettings { MixtureGuidance = "vibes" }.Validate());
}
