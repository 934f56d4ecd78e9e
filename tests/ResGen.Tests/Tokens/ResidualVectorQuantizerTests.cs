using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Tokens;

[Collection(TorchCollection.Name)]
public sealed class ResidualVectorQuantizerTests
{
    static ResidualVectorQuantizer Trained(int depth = 4, int k = 16, int dim = 8, long seed = 1)
    {
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = depth, CodebookSize = k, CodeDim = dim, DropoutProbability = 0 });
        var g = new Generator((ulong)seed);
        rvq.train();
        for (int i = 0; i < 5; i++) rvq.Quantize(torch.randn(512, dim, generator: g), null, g);
        rvq.eval();
        return rvq;
    }

    [Fact]
    public void IndicesAreInRangeAndShaped()
    {
        var rvq = Trained();
        var idx = rvq.Encode(torch.randn(3, 5, 8, generator: new Generator(2)));
        Assert.Equal(new long[] { 3, 5, 4 }, idx.shape);
        Assert.Equal(ScalarType.Int64, idx.dtype);
        Assert.True(idx.min().item<long>() >= 0);
        Assert.True(idx.max().item<long>() < 16);
    }

    [Fact]
    public void EvalOutputIsTheSumOfTheCodesOfTheReturnedIndices()
    {
        var rvq = Trained();
        var z = torch.randn(64, 8, generator: new Generator(3));
        var q = rvq.Quantize(z);
        TensorAssert.Equal(q.Quantized, rvq.Decode(q.Indices));
        TensorAssert.Equal(q.Indices, rvq.Encode(z));
    }

    [Fact]
    public void ResidualEnergyNeverGrowsWithDepth()
    {
        // Greedy RVQ lowers the mean residual energy at every depth. (Per vector it can grow: a
        // vector already near zero may have no code closer than zero itself.)
        var rvq = Trained(depth: 6);
        var z = torch.randn(400, 8, generator: new Generator(4));
        var idx = rvq.Encode(z);
        var prev = z.pow(2).sum(1).mean().item<float>();
        for (int d = 1; d <= 6; d++)
        {
            var visible = torch.full(400, d, ScalarType.Int64);
            var r = (z - rvq.EmbedPrefix(idx, visible)).pow(2).sum(1).mean().item<float>();
            Assert.True(r < prev, $"mean residual energy grew at depth {d}: {prev} -> {r}");
            prev = r;
        }
    }

    [Fact]
    public void KMeansInitialisationMovesTheCodesOntoTheData()
    {
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = 2, CodebookSize = 8, CodeDim = 4, DropoutProbability = 0 });
        var before = rvq.Codebooks.clone();
        // data far from the random initial codes: clusters around ±5
        var g = new Generator(5);
        var centers = torch.randn(8, 4, generator: g) * 5;
        var z = centers.repeat(64, 1) + 0.1f * torch.randn(512, 4, generator: g);
        Assert.False(rvq.IsInitialized);
        rvq.train();
        rvq.Quantize(z, null, g);
        Assert.True(rvq.IsInitialized);
        Assert.False(torch.allclose(before, rvq.Codebooks));
        // every data cluster has a code within its spread
        var d = torch.cdist(centers, rvq.Codebooks[0]).min(1).values;
        Assert.True(d.max().item<float>() < 1f, $"farthest cluster is {d.max().item<float>()} from a code");
    }

    [Fact]
    public void DeadCodesRestartFromBatchVectors()
    {
        var cfg = new RvqConfig { Depth = 1, CodebookSize = 8, CodeDim = 2, DropoutProbability = 0, DeadCodeThreshold = 1f, KMeansIterations = 0, EmaDecay = 0.8f };
        var rvq = new ResidualVectorQuantizer(cfg);
        var g = new Generator(6);
        rvq.train();
        rvq.Quantize(torch.randn(64, 2, generator: g), null, g);       // initialise on data near 0
        // new data far away: all codes but the nearest starve and must be restarted on it
        var far = torch.randn(256, 2, generator: g) * 0.1f + 50f;
        for (int i = 0; i < 60; i++) rvq.Quantize(far, null, g);
        var nearFar = (rvq.Codebooks[0] - 50f).abs().max(1).values < 2f;
        Assert.True(nearFar.sum().item<long>() >= 7, $"only {nearFar.sum().item<long>()} of 8 codes moved to the data");
    }

    [Fact]
    public void RequantizingAnExactSumRecoversTheTokens()
    {
        // Codebooks whose scales fall fast with depth make greedy quantization exact.
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = 4, CodebookSize = 16, CodeDim = 8 });
        var g = new Generator(7);
        using (torch.no_grad())
            for (int j = 0; j < 4; j++) rvq.Codebooks[j].copy_(torch.randn(16, 8, generator: g) * MathF.Pow(0.02f, j));
        var truth = torch.randint(16, [32, 4], generator: g);
        var start = torch.randint(0, 5, [32], generator: g);
        var (_, suffix) = rvq.EmbedSplit(truth, start);
        var garbage = torch.where(ResidualVectorQuantizer.PrefixMask(start, 4), truth, torch.randint(16, [32, 4], generator: g));
        var (idx, residual) = new Requantizer(rvq).Requantize(garbage, start, suffix);
        TensorAssert.Equal(idx, truth);
        Assert.True(residual.max().item<float>() < 1e-8f);
    }

    [Fact]
    public void EmbedSplitAddsUpToTheFullSum()
    {
        var rvq = Trained();
        var idx = torch.randint(16, [10, 4], generator: new Generator(8));
        var vis = torch.randint(0, 5, [10], generator: new Generator(9));
        var (p, s) = rvq.EmbedSplit(idx, vis);
        Assert.True(torch.allclose(p + s, rvq.Decode(idx), 1e-5, 1e-5));
        Assert.True(torch.allclose(p, rvq.EmbedPrefix(idx, vis), 1e-5, 1e-5));
    }

    [Fact]
    public void QuantizerDropoutUsesOnlyTheActiveDepths()
    {
        var rvq = Trained();
        rvq.train();
        var z = torch.randn(6, 8, generator: new Generator(10));
        var active = torch.tensor(new long[] { 1, 2, 3, 4, 1, 4 });
        var q = rvq.Quantize(z, active, new Generator(11));
        var idx = q.Indices;
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(j < active[i].item<long>(), idx[i, j].item<long>() >= 0);
    }
}
