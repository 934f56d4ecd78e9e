using ResGen.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Generation;

[Collection(TorchCollection.Name)]
public sealed class MaskingTests
{
    static double LogChoose(int n, int k)
    {
        double s = 0;
        for (int i = 1; i <= k; i++) s += Math.Log(n - k + i) - Math.Log(i);
        return s;
    }

    [Fact]
    public void CountsPerPositionFollowTheHypergeometricLaw()
    {
        // L = 6 positions × D = 4 depths, n = 9 masked cells; k at one position ~ Hypergeometric(24, 4, 9).
        const int l = 6, d = 4, n = 9, draws = 20000;
        var k = DepthMasking.HypergeometricCounts(torch.full(draws, n, ScalarType.Int64), l, d, new Generator(1));
        Assert.True((k.sum(1) == n).all().item<bool>(), "counts must add up to n");
        var observed = new double[d + 1];
        foreach (var v in k[.., 2].data<long>()) observed[v]++;
        double chi2 = 0;
        int bins = 0;
        for (int x = 0; x <= d; x++)
        {
            double p = Math.Exp(LogChoose(d, x) + LogChoose(l * d - d, n - x) - LogChoose(l * d, n));
            double expected = p * draws;
            if (expected < 5) continue;
            chi2 += Math.Pow(observed[x] - expected, 2) / expected;
            bins++;
        }
        // 99.9% quantile of chi-square with (bins-1) <= 4 degrees of freedom is 18.47
        Assert.True(chi2 < 18.47, $"chi-square {chi2:F2} over {bins} bins");
    }

    [Fact]
    public void MasksAreTopAligned()
    {
        var k = DepthMasking.SampleCounts(64, 7, 8, "cosine", new Generator(2));
        var mask = DepthMasking.MaskFromCounts(k, 8);
        Assert.True((mask.sum(-1) == k).all().item<bool>());
        // once a depth is masked, every finer depth is masked too
        var m = mask.to(ScalarType.Int64);
        Assert.True((m[.., .., 1..] >= m[.., .., ..^1]).all().item<bool>());
    }

    [Theory]
    [InlineData("cosine", 2 / Math.PI)]
    [InlineData("linear", 0.5)]
    [InlineData("square", 2.0 / 3)]
    public void TrainingCountsFollowTheSchedule(string schedule, double meanShare)
    {
        // n = ceil(γ(r)·L·D) with r ~ U[0,1): the mean masked share is ∫γ = 2/π for the cosine
        var k = DepthMasking.SampleCounts(8000, 7, 8, schedule, new Generator(3));
        var n = k.sum(1).to(ScalarType.Float64);
        Assert.True(n.min().item<double>() >= 1 && n.max().item<double>() <= 56);
        double mean = (n / 56).mean().item<double>();
        // rounding up adds half a cell on average; the tolerance is about four standard errors
        double expected = meanShare + 0.5 / 56;
        Assert.True(Math.Abs(mean - expected) < 0.013, $"mean masked share {mean:F4}, expected about {expected:F4}");
    }

    [Fact]
    public void TensorAndScalarSchedulesAgree()
    {
        var r = torch.linspace(0, 1, 11, dtype: ScalarType.Float64);
        foreach (var name in MaskSchedule.Names)
        {
            var g = MaskSchedule.Gamma(name, r).data<double>().ToArray();
            for (int i = 0; i <= 10; i++) Assert.Equal(MaskSchedule.Gamma(name, i / 10.0), g[i], 9);
        }
    }

    [Theory]
    [InlineData("cosine", 16, 392)]
    [InlineData("linear", 8, 49)]
    [InlineData("cubic", 49, 49)]
    [InlineData("sqrt", 1, 10)]
    public void SamplingCountsFallStrictlyToZero(string schedule, int steps, int total)
    {
        var c = MaskSchedule.SamplingCounts(schedule, steps, total);
        Assert.Equal(steps, c.Length);
        Assert.Equal(0, c[^1]);
        int prev = total;
        foreach (var n in c) { Assert.True(n < prev, $"{n} after {prev}"); prev = n; }
    }

    [Fact]
    public void UnknownScheduleIsAUserError()
        => Assert.Throws<UserErrorException>(() => MaskSchedule.Gamma("zigzag", 0.5));

    [Fact]
    public void WithLengthsOnlyRealPositionsAreMasked()
    {
        const int l = 5, d = 3;
        var lengths = torch.tensor(new long[] { 5, 2, 1, 4 }).repeat(500);
        var k = DepthMasking.SampleCounts(lengths.shape[0], l, d, "cosine", new Generator(1), lengths: lengths);
        var valid = ResGen.Tokens.TokenBatch.ValidMask(lengths, l);
        Assert.True((k.masked_select(valid.logical_not()) == 0).all().item<bool>(), "a padded position was masked");
        var n = k.sum(1);
        Assert.True((n >= 1).all().item<bool>() && (n <= lengths * d).all().item<bool>());
        // every share of the real cells is reached, up to all of them
        Assert.True((n == lengths * d).any().item<bool>());
    }

    [Fact]
    public void WholePositionMaskingMasksAllDepthsOfSomeRealPositions()
    {
        const int l = 6, d = 32, batch = 2000;
        var lengths = torch.tensor(new long[] { 6, 3 }).repeat(batch / 2);
        var g = new Generator(4);
        var paper = DepthMasking.SampleCounts(batch, l, d, "cosine", g, lengths: lengths);
        var mixed = DepthMasking.SampleCounts(batch, l, d, "cosine", g, lengths: lengths, wholePositions: 0.5);
        var valid = ResGen.Tokens.TokenBatch.ValidMask(lengths, l);
        Assert.True((mixed.masked_select(valid.logical_not()) == 0).all().item<bool>(), "a padded position was masked");
        // examples masked by position hold only 0 or D per position, at least one D
        var byPosition = ((mixed == 0).logical_or(mixed == d)).all(1).logical_and((mixed == d).any(1));
        double share = byPosition.to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(share, 0.45, 0.6);   // half by design, plus the few hypergeometric draws that happen to look so
        // at D = 32 the paper's law almost never masks a whole position; the mixture does so often
        double wholePaper = (paper == d).logical_and(valid).to(ScalarType.Float32).sum().item<float>() / valid.sum().item<long>();
        double wholeMixed = (mixed == d).logical_and(valid).to(ScalarType.Float32).sum().item<float>() / valid.sum().item<long>();
        Assert.True(wholeMixed > 0.2 && wholeMixed > 3 * wholePaper, $"whole positions: {wholeMixed:P1} mixed, {wholePaper:P1} paper");
        // the default is the paper's law, draw for draw
        var again = DepthMasking.SampleCounts(batch, l, d, "cosine", new Generator(4), lengths: lengths, wholePositions: 0);
        Assert.True((again == paper).all().item<bool>());
    }
}
