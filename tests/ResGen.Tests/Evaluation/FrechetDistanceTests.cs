using ResGen.Evaluation;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public sealed class FrechetDistanceTests
{
    static Tensor Features(long n, long f, int seed, double scale = 1.0)
    {
        // correlated features: Gaussian noise through a random mixing matrix
        var g = new Generator((ulong)seed);
        var mix = torch.randn([f, f], ScalarType.Float64, generator: g) * scale;
        return torch.randn([n, f], ScalarType.Float64, generator: g).matmul(mix) + torch.randn([f], ScalarType.Float64, generator: g);
    }

    static Tensor Diag(params double[] v) => torch.diag(torch.tensor(v, ScalarType.Float64));
    static Tensor Vec(params double[] v) => torch.tensor(v, ScalarType.Float64);

    [Fact]
    public void DistanceOfASetToItselfIsZero()
    {
        var s = FeatureStats.FromFeatures(Features(400, 16, 1));
        Assert.Equal(0.0, FrechetDistance.Compute(s, s), 8);
    }

    [Fact]
    public void OneDimensionalGaussiansFollowTheClosedForm()
    {
        // (μ1 − μ2)² + (σ1 − σ2)² = 1.5² + 1.5² = 4.5
        double d2 = FrechetDistance.Compute(Vec(1.0), Diag(4.0), Vec(-0.5), Diag(0.25));
        Assert.Equal(4.5, d2, 10);
    }

    [Fact]
    public void DiagonalCovariancesFollowTheClosedForm()
    {
        double[] m1 = [0.0, 1.0, -2.0, 3.0], m2 = [0.5, 1.0, 2.0, -1.0];
        double[] s1 = [1.0, 2.0, 0.5, 3.0], s2 = [2.0, 0.1, 0.5, 1.0];
        double expected = 0;
        for (int i = 0; i < 4; i++) expected += Math.Pow(m1[i] - m2[i], 2) + Math.Pow(s1[i] - s2[i], 2);
        double d2 = FrechetDistance.Compute(Vec(m1), Diag(s1.Select(s => s * s).ToArray()), Vec(m2), Diag(s2.Select(s => s * s).ToArray()));
        Assert.Equal(expected, d2, 9);
    }

    [Fact]
    public void IsSymmetric()
    {
        var a = FeatureStats.FromFeatures(Features(300, 12, 2));
        var b = FeatureStats.FromFeatures(Features(300, 12, 3, scale: 0.5));
        double ab = FrechetDistance.Compute(a, b), ba = FrechetDistance.Compute(b, a);
        Assert.True(ab > 1);
        Assert.Equal(ab, ba, 1e-8 * ab);
    }

    [Fact]
    public void IsNonNegativeEvenForSingularCovariances()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            // fewer samples than dimensions: rank-deficient covariances with rounding-level negative eigenvalues
            var a = FeatureStats.FromFeatures(Features(6, 20, 10 + seed));
            var b = FeatureStats.FromFeatures(Features(6, 20, 40 + seed));
            foreach (var d in new[] { FrechetDistance.Compute(a, b), FrechetDistance.Compute(a, a), FrechetDistance.Compute(b, b) })
            {
                Assert.True(double.IsFinite(d), $"seed {seed}: {d}");
                Assert.True(d >= 0, $"seed {seed}: {d}");
            }
            Assert.True(FrechetDistance.Compute(a, a) < 1e-6);
        }
    }

    [Fact]
    public void TranslatingBySomeVectorAddsItsSquaredLength()
    {
        var x = Features(500, 8, 4);
        var v = Vec(1.0, -2.0, 0.5, 0.0, 3.0, 0.25, -1.0, 2.0);
        var a = FeatureStats.FromFeatures(x);
        var shifted = FeatureStats.FromFeatures(x + v);
        double expected = v.square().sum().item<double>();
        Assert.Equal(expected, FrechetDistance.Compute(a, shifted), 1e-7 * expected);
        Assert.Equal(expected, FrechetDistance.Compute(shifted, a), 1e-7 * expected);
    }

    [Fact]
    public void BatchedStatisticsMatchTheDirectFormula()
    {
        var x = Features(1000, 6, 5) + 1e4;                  // a large offset must not cost precision
        using var acc = new FeatureStatsAccumulator();
        for (int s = 0; s < 1000; s += 300) acc.Add(x.narrow(0, s, Math.Min(300, 1000 - s)));
        var stats = acc.ToStats("test");
        Assert.Equal(1000, stats.Count);
        var mean = x.mean([0]);
        var centred = x - mean;
        var cov = centred.t().matmul(centred) / 999;
        Assert.True(stats.MeanTensor().allclose(mean, rtol: 1e-12, atol: 1e-9));
        Assert.True(stats.CovarianceTensor().allclose(cov, rtol: 1e-9, atol: 1e-9), "covariance differs");
        Assert.Equal("test", stats.Source);
    }

    [Fact]
    public void SqrtPsdSquaresBack()
    {
        var a = torch.randn([5, 5], ScalarType.Float64, generator: new Generator(6));
        var spd = a.matmul(a.t());
        var root = FrechetDistance.SqrtPsd(spd);
        Assert.True(root.matmul(root).allclose(spd, rtol: 1e-9, atol: 1e-9));
    }

    [Fact]
    public void RejectsMismatchedDimensions()
    {
        var a = FeatureStats.FromFeatures(Features(50, 4, 7));
        var b = FeatureStats.FromFeatures(Features(50, 5, 8));
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(a, b));
    }

    [Fact]
    public void StatisticsRoundTripThroughAFile()
    {
        using var dir = new TempDirectory();
        var stats = FeatureStats.FromFeatures(Features(100, 7, 9), "classifier abc; test split; 100 images");
        var path = dir.File("stats.safetensors");
        stats.Save(path);
        var loaded = FeatureStats.Load(path);
        Assert.Equal(stats.Mean, loaded.Mean);
        Assert.Equal(stats.Covariance, loaded.Covariance);
        Assert.Equal(stats.Count, loaded.Count);
        Assert.Equal(stats.Source, loaded.Source);
        Assert.Equal(0.0, FrechetDistance.Compute(stats, loaded), 10);
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void StatisticsFileIsPlainSafetensorsWithCountAndSourceInItsMetadata()
    {
        using var dir = new TempDirectory();
        var stats = FeatureStats.FromFeatures(Features(30, 4, 12), "classifier abc; test split; 30 images");
        var path = dir.File("stats.safetensors");
        stats.Save(path);
        var header = SafetensorsFile.ReadHeader(path, "stats");
        Assert.Equal("F64", header.Tensors["mean"].DType);
        Assert.Equal([4], header.Tensors["mean"].Shape);
        Assert.Equal("F64", header.Tensors["covariance"].DType);
        Assert.Equal([4, 4], header.Tensors["covariance"].Shape);
        Assert.Equal(new Dictionary<string, string>
        {
            ["format"] = "resgen-feature-stats",
            ["format_version"] = "1",
            ["count"] = "30",
            ["source"] = "classifier abc; test split; 30 images",
        }, header.Metadata);
        using var scope = torch.NewDisposeScope();
        var tensors = SafetensorsFile.Load(path, "stats");
        Assert.Equal(stats.Covariance, tensors["covariance"].data<double>().ToArray());
    }

    [Fact]
    public void TruncatedOrMissingStatisticsFilesAreUserErrors()
    {
        using var dir = new TempDirectory();
        var path = dir.File("stats.safetensors");
        FeatureStats.FromFeatures(Features(20, 3, 11)).Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        Assert.Contains("truncated or corrupt", Assert.Throws<UserErrorException>(() => FeatureStats.Load(path)).Message);
        File.WriteAllBytes(path, [.. "NOTSTATS"u8.ToArray(), .. bytes[8..]]);
        Assert.Contains("truncated or corrupt", Assert.Throws<UserErrorException>(() => FeatureStats.Load(path)).Message);
        Assert.Contains("does not exist", Assert.Throws<UserErrorException>(() => FeatureStats.Load(dir.File("missing.safetensors"))).Message);
    }

    [Theory]
    [InlineData("nan", "'covariance' holds NaN or infinite values")]
    [InlineData("f32", "its mean is F32 and its covariance F64, but both must be F64")]
    [InlineData("shape", "its mean [3] and covariance [3, 2] are not [F] and [F, F]")]
    [InlineData("count", "its metadata \"count\" is '1', not a whole number of at least 2")]
    [InlineData("format", "is not a feature statistics file")]
    [InlineData("old", "is in the old RGFSTAT1 format, which this version no longer reads; delete it so that it is computed anew")]
    public void DamagedStatisticsFilesAreOneSentence(string damage, string says)
    {
        using var dir = new TempDirectory();
        var path = dir.File("stats.safetensors");
        using var scope = torch.NewDisposeScope();
        var cov = torch.eye(3, dtype: torch.float64);
        var tensors = new Dictionary<string, torch.Tensor> { ["mean"] = torch.zeros(3, dtype: torch.float64), ["covariance"] = cov };
        var meta = new Dictionary<string, string> { ["format"] = "resgen-feature-stats", ["format_version"] = "1", ["count"] = "20", ["source"] = "" };
        switch (damage)
        {
            case "nan": cov[1, 1] = torch.tensor(double.NaN); break;
            case "f32": tensors["mean"] = torch.zeros(3); break;
            case "shape": tensors["covariance"] = torch.zeros(3, 2, dtype: torch.float64); break;
            case "count": meta["count"] = "1"; break;
            case "format": meta["format"] = "resgen-token-cache"; break;
        }
        SafetensorsFile.WriteAtomic(path, tensors, meta);
        if (damage == "old") File.WriteAllBytes(path, [.. "RGFSTAT1"u8.ToArray(), 1, 0, 0, 0, 3, 0, 0, 0]);
        var error = Assert.Throws<UserErrorException>(() => FeatureStats.Load(path));
        Assert.Contains(says, error.Message);
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.EndsWith(".", error.Message);
    }
}
