using ResGen.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Tokens;

/// <summary>Convolutional encoder: image [B, C, H, W] → latent [B, d_z, H/f, W/f].</summary>
public sealed class ImageEncoder : Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly ModuleList<Module<Tensor, Tensor>> blocks;
    readonly GroupNorm norm_out;
    readonly Conv2d conv_out;

    public ImageEncoder(ImageTokenizerConfig cfg, int codeDim) : base("encoder")
    {
        var ch = cfg.HiddenChannels;
        conv_in = Conv2d(cfg.Channels, ch[0], 3, padding: 1);
        blocks = new ModuleList<Module<Tensor, Tensor>>();
        for (int s = 0; s < ch.Length; s++)
        {
            for (int b = 0; b < cfg.ResBlocks; b++) blocks.Add(new ResBlock(ch[s]));
            if (s < ch.Length - 1) blocks.Add(Conv2d(ch[s], ch[s + 1], 4, stride: 2, padding: 1));
        }
        norm_out = Norms.Group(ch[^1]);
        conv_out = Conv2d(ch[^1], codeDim, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = conv_in.forward(x);
        foreach (var b in blocks) h = b.forward(h);
        return conv_out.forward(functional.silu(norm_out.forward(h)));
    }
}

/// <summary>Convolutional decoder: latent [B, d_z, h, w] → image [B, C, h·f, w·f].</summary>
public sealed class ImageDecoder : Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly ModuleList<Module<Tensor, Tensor>> blocks;
    readonly GroupNorm norm_out;
    readonly Conv2d conv_out;

    public ImageDecoder(ImageTokenizerConfig cfg, int codeDim) : base("decoder")
    {
        var ch = cfg.HiddenChannels;
        conv_in = Conv2d(codeDim, ch[^1], 3, padding: 1);
        blocks = new ModuleList<Module<Tensor, Tensor>>();
        for (int s = ch.Length - 1; s >= 0; s--)
        {
            for (int b = 0; b < cfg.ResBlocks; b++) blocks.Add(new ResBlock(ch[s]));
            if (s > 0) blocks.Add(new Upsample2x(ch[s], ch[s - 1]));
        }
        norm_out = Norms.Group(ch[0]);
        conv_out = Conv2d(ch[0], cfg.Channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        var h = conv_in.forward(z);
        foreach (var b in blocks) h = b.forward(h);
        return conv_out.forward(functional.silu(norm_out.forward(h)));
    }
}
