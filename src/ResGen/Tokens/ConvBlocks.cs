using ResGen.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Tokens;

/// <summary>Pre-activation residual block: (GroupNorm → SiLU → 3×3 conv) twice, plus the input.</summary>
public sealed class ResBlock : Module<Tensor, Tensor>
{
    readonly GroupNorm norm1, norm2;
    readonly Conv2d conv1, conv2;

    public ResBlock(int channels) : base("res_block")
    {
        norm1 = Norms.Group(channels);
        conv1 = Conv2d(channels, channels, 3, padding: 1);
        norm2 = Norms.Group(channels);
        conv2 = Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = conv1.forward(functional.silu(norm1.forward(x)));
        h = conv2.forward(functional.silu(norm2.forward(h)));
        return x + h;
    }
}

/// <summary>Doubles the resolution: nearest-neighbour upsampling then a 3×3 conv.</summary>
public sealed class Upsample2x : Module<Tensor, Tensor>
{
    readonly Conv2d conv;

    public Upsample2x(int inChannels, int outChannels) : base("upsample")
    {
        conv = Conv2d(inChannels, outChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
        => conv.forward(functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest));
}
