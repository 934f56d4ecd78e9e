using TorchSharp;
using TorchSharp.Modules;

namespace ResGen.Nn;

/// <summary>
/// Normalisation layers with their affine parameters set explicitly (gain 1, bias 0).
/// TorchSharp 0.107's GroupNorm can leave them uninitialised (seen here: gains of 1e35 and NaN
/// biases in freshly built modules), so every norm in the project is made through these.
/// </summary>
public static class Norms
{
    public static GroupNorm Group(int channels)
    {
        var norm = torch.nn.GroupNorm(Groups(channels), channels);
        Reset(norm.weight, norm.bias);
        return norm;
    }

    public static LayerNorm Layer(int features, bool affine = true)
    {
        var norm = torch.nn.LayerNorm(features, elementwise_affine: affine);
        if (affine) Reset(norm.weight, norm.bias);
        return norm;
    }

    /// <summary>
    /// A layer norm computed in float32 whatever the input's precision (mixed-precision training keeps
    /// normalisation statistics in fp32); the result has the input's dtype.
    /// </summary>
    public static torch.Tensor Apply(LayerNorm norm, torch.Tensor x)
    {
        if (x.dtype is torch.ScalarType.Float32 or torch.ScalarType.Float64) return norm.forward(x);
        return torch.nn.functional.layer_norm(x.to(torch.ScalarType.Float32), [x.shape[^1]],
            norm.weight?.to(torch.ScalarType.Float32), norm.bias?.to(torch.ScalarType.Float32)).to(x.dtype);
    }

    /// <summary>Groups for GroupNorm: 8 where the channels allow it, else the largest divisor below.</summary>
    public static int Groups(int channels)
    {
        for (int g = Math.Min(8, channels); g > 1; g--) if (channels % g == 0) return g;
        return 1;
    }

    static void Reset(torch.Tensor? weight, torch.Tensor? bias)
    {
        using var _ = torch.no_grad();
        weight?.fill_(1f);
        bias?.zero_();
    }
}
