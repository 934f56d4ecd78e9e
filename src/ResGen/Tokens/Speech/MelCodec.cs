using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Tokens.Speech;

/// <summary>
/// 1-D convolutional encoder: normalised mel [B, M, T] (T a multiple of the downsampling factor)
/// → latent [B, d_z, T / f]. Each resolution has its residual blocks, then a stride-2 conv (k4).
/// <c>masks[s]</c> [B, 1, T / 2^s] (null: every frame real) keeps padded frames out of every convolution.
/// </summary>
public sealed class MelEncoder : nn.Module
{
    readonly Conv1d conv_in;
    readonly ModuleList<ResBlock1d> blocks;
    readonly ModuleList<Conv1d> down;
    readonly FrameNorm norm_out;
    readonly Conv1d conv_out;
    readonly int resBlocks;

    public MelEncoder(int melBins, SpeechTokenizerModelConfig cfg, int codeDim) : base("encoder")
    {
        var ch = cfg.HiddenChannels;
        resBlocks = cfg.ResBlocks;
        conv_in = Conv1d(melBins, ch[0], 3, padding: 1);
        blocks = new ModuleList<ResBlock1d>();
        down = new ModuleList<Conv1d>();
        for (int s = 0; s < ch.Length; s++)
        {
            for (int b = 0; b < resBlocks; b++) blocks.Add(new ResBlock1d(ch[s], Dilation(b)));
            if (s < ch.Length - 1) down.Add(Conv1d(ch[s], ch[s + 1], 4, stride: 2, padding: 1));
        }
        norm_out = new FrameNorm(ch[^1]);
        conv_out = Conv1d(ch[^1], codeDim, 1);
        RegisterComponents();
    }

    /// <summary>Dilation of the first convolution of residual block <paramref name="b"/> of a resolution: 1, 3, 9, ...</summary>
    internal static int Dilation(int b) => (int)Math.Pow(3, b);

    public Tensor Forward(Tensor x, IReadOnlyList<Tensor?> masks)
    {
        var h = conv_in.forward(ResBlock1d.Masked(x, masks[0]));
        for (int s = 0; s <= down.Count; s++)
        {
            for (int b = 0; b < resBlocks; b++) h = blocks[s * resBlocks + b].Forward(h, masks[s]);
            if (s < down.Count) h = down[s].forward(ResBlock1d.Masked(h, masks[s]));
        }
        return conv_out.forward(functional.silu(norm_out.forward(h)));
    }
}

/// <summary>
/// 1-D convolutional decoder: latent [B, d_z, L] → mel [B, M, L·f] (normalised), the encoder
/// mirrored with repeat-and-conv upsampling. <c>masks[s]</c> as for <see cref="MelEncoder"/>.
/// </summary>
public sealed class MelDecoder : nn.Module
{
    readonly Conv1d conv_in;
    readonly ModuleList<ResBlock1d> blocks;
    readonly ModuleList<Upsample1d> up;
    readonly FrameNorm norm_out;
    readonly Conv1d conv_out;
    readonly int resBlocks;

    public MelDecoder(int melBins, SpeechTokenizerModelConfig cfg, int codeDim) : base("decoder")
    {
        var ch = cfg.HiddenChannels;
        resBlocks = cfg.ResBlocks;
        conv_in = Conv1d(codeDim, ch[^1], 3, padding: 1);
        blocks = new ModuleList<ResBlock1d>();
        up = new ModuleList<Upsample1d>();
        for (int s = ch.Length - 1; s >= 0; s--)
        {
            for (int b = 0; b < resBlocks; b++) blocks.Add(new ResBlock1d(ch[s], MelEncoder.Dilation(b)));
            if (s > 0) up.Add(new Upsample1d(ch[s], ch[s - 1]));
        }
        norm_out = new FrameNorm(ch[0]);
        conv_out = Conv1d(ch[0], melBins, 3, padding: 1);
        RegisterComponents();
    }

    public Tensor Forward(Tensor z, IReadOnlyList<Tensor?> masks)
    {
        int stages = up.Count;
        var h = conv_in.forward(ResBlock1d.Masked(z, masks[stages]));
        for (int i = 0; i <= stages; i++)
        {
            int s = stages - i;                                    // resolution, coarsest first
            for (int b = 0; b < resBlocks; b++) h = blocks[i * resBlocks + b].Forward(h, masks[s]);
            if (s > 0) h = up[i].forward(ResBlock1d.Masked(h, masks[s]));
        }
        return conv_out.forward(ResBlock1d.Masked(functional.silu(norm_out.forward(h)), masks[0]));
    }
}
