using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests;

/// <summary>Exact and approximate tensor comparisons with readable failures.</summary>
public static class TensorAssert
{
    /// <summary>Same shape and the same values.</summary>
    public static void Equal(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), "tensors differ");
    }

    /// <summary>Max absolute difference between two tensors as a double.</summary>
    public static double MaxDiff(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(a.shape, b.shape);
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    /// <summary>Asserts every parameter of two modules agrees within <paramref name="tolerance"/>.</summary>
    public static void ModulesClose(nn.Module a, nn.Module b, double tolerance)
    {
        var pb = b.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        foreach (var (name, p) in a.named_parameters())
        {
            var diff = MaxDiff(p, pb[name]);
            Assert.True(diff <= tolerance, $"{name} differs by {diff:g3} (tolerance {tolerance:g3})");
        }
    }

    /// <summary>Asserts two tensors hold exactly the same bytes.</summary>
    public static void BitEqual(Tensor a, Tensor b, string what)
    {
        Assert.Equal(a.dtype, b.dtype);
        Assert.Equal(a.shape, b.shape);
        Assert.True(a.contiguous().bytes.SequenceEqual(b.contiguous().bytes), $"{what} differs");
    }
}
