using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Tokens.Speech;

/// <summary>
/// Layer normalisation over the channels of each frame of [B, C, T]: unlike GroupNorm it draws
/// no statistics across time, so a frame's features never depend on the utterance's length or on
/// padding, and a 2 s training crop is normalised as the same stretch of a whole utterance.
/// </summary>
public sealed class FrameNorm : Module<Tensor, Tensor>
{
    readonly Parameter weight, bias;

    public FrameNorm(int channels) : base("frame_norm")
    {
        weight = Parameter(torch.ones(channels));
        bias = Parameter(torch.zeros(channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var centred = x - x.mean([1], keepdim: true);
        var scale = torch.rsqrt(centred.square().mean([1], keepdim: true) + 1e-5f);
        return centred * scale * weight.view(1, -1, 1) + bias.view(1, -1, 1);
    }
}

/// <summary>
/// Pre-activation 1-D residual block: (FrameNorm → SiLU → conv k3, dilated) then (FrameNorm →
/// SiLU → conv k3), plus the input. A mask [B, 1, T] (1 = real frame) zeroes padded frames
/// before each convolution, so padding reaches no real frame.
/// </summary>
public sealed class ResBlock1d : nn.Module
{
    readonly FrameNorm norm1, norm2;
    readonly Conv1d conv1, conv2;

    public ResBlock1d(int channels, int dilation) : base("res_block")
    {
        norm1 = new FrameNorm(channels);
        conv1 = Conv1d(channels, channels, 3, padding: dilation, dilation: dilation);
        norm2 = new FrameNorm(channels);
        conv2 = Conv1d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? mask)
    {
        var h = conv1.forward(Masked(functional.silu(norm1.forward(x)), mask));
        h = conv2.forward(Masked(functional.silu(norm2.forward(h)), mask));
        return x + h;
    }

    /// <summary><paramref name="x"/> with padded frames set to zero (unchanged when <paramref name="mask"/> is null).</summary>
    internal static Tensor Masked(Tensor x, Tensor? mask) => mask is null ? x : x * mask;
}

/// <summary>Doubles the frame rate: each frame repeated, then a conv k3.</summary>
public sealed class Upsample1d : Module<Tensor, Tensor>
{
    readonly Conv1d conv;

    public Upsample1d(int inChannels, int outChannels) : base("upsample")
    {
        conv = Conv1d(inChannels, outChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(x.repeat_interleave(2, dim: 2));
}
