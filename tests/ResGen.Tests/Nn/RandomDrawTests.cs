using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Nn;

/// <summary>
/// Seeded draws for any device (TorchSharp's generators live on the CPU): on the CPU they are libtorch's own
/// calls, number for number; elsewhere a multinomial is the inverse CDF at uniform numbers, checked here
/// for its distribution and its edge cases.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class RandomDrawTests
{
    [Fact]
    public void OnTheCpuTheDrawsAreLibtorchsOwn()
    {
        var w = torch.tensor(new float[] { 0.1f, 0.5f, 0.2f, 0.2f, 1, 0, 0, 1 }).reshape(2, 4);
        using (var a = new Generator(5))
        using (var b = new Generator(5))
        {
            TensorAssert.Equal(torch.rand([3, 4], generator: a), RandomDraw.Rand([3, 4], b, torch.CPU));
            TensorAssert.Equal(torch.randn([5], dtype: ScalarType.Float64, generator: a), RandomDraw.Randn([5], b, torch.CPU, ScalarType.Float64));
            TensorAssert.Equal(torch.randint(2, 9, [6], generator: a), RandomDraw.RandInt(2, 9, [6], b, torch.CPU));
            TensorAssert.Equal(torch.multinomial(w, 1, generator: a), RandomDraw.Multinomial(w, 1, b));
            TensorAssert.Equal(torch.multinomial(w, 7, replacement: true, generator: a), RandomDraw.Multinomial(w, 7, b, replacement: true));
        }
    }

    [Fact]
    public void TheInverseCdfDrawsInProportionToTheWeights()
    {
        var w = torch.tensor(new float[] { 0, 1, 0, 3, 0, 0, 2, 0 }).reshape(2, 4);
        using var g = new Generator(1);
        var picks = RandomDraw.InverseCdf(w, torch.rand([2, 40_000], generator: g));
        Assert.Equal(new long[] { 2, 40_000 }, picks.shape);
        var first = torch.bincount(picks[0], minlength: 4).to(ScalarType.Float64) / 40_000;
        var second = torch.bincount(picks[1], minlength: 4).to(ScalarType.Float64) / 40_000;
        Assert.True(TensorAssert.MaxDiff(torch.tensor(new[] { 0, 0.25, 0, 0.75 }), first) < 0.01, $"frequencies {string.Join(", ", first.data<double>().ToArray())}");
        TensorAssert.Equal(torch.tensor(new[] { 0.0, 0, 1, 0 }), second);          // one non-zero weight: always it
    }

    [Fact]
    public void TheInverseCdfNeverPicksAZeroWeightAtTheEdges()
    {
        var w = torch.tensor(new float[] { 0, 2, 0 });
        var picks = RandomDraw.InverseCdf(w, torch.tensor(new double[] { 0, 0.5, 1 - 1e-12 }).unsqueeze(0));
        Assert.Equal(new long[] { 3 }, picks.shape);                                 // one row of weights: [S]
        Assert.Equal(new long[] { 1, 1, 1 }, picks.data<long>().ToArray());
    }
}
