using static TorchSharp.torch;

namespace ResGen.Tests;

/// <summary>Exact and approximate tensor comparisons with readable failures.</summary>
public static class TensorAssert
{
    public static void Equal(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), "tensors differ");
    }
}
