using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Tokens;

/// <summary>What a training pass of the tokenizer returns.</summary>
public sealed record TokenizerOutput(Tensor Reconstruction, QuantizerOutput Quantizer);

/// <summary>
/// Convolutional autoencoder whose latent grid is quantized by residual VQ: an image of
/// S×S px becomes L = (S/f)² positions × D depths of code indices (row-major positions).
/// The decoder only ever sees the sum of the code vectors at each position.
/// </summary>
public sealed class ImageTokenizer : nn.Module, ITokenizer
{
    readonly ImageEncoder encoder;
    readonly ImageDecoder decoder;
    readonly ResidualVectorQuantizer rvq;

    public ImageTokenizer(ImageTokenizerConfig model, RvqConfig rvqConfig) : base("image_tokenizer")
    {
        model.Validate();
        rvqConfig.Validate();
        Model = model;
        encoder = new ImageEncoder(model, rvqConfig.CodeDim);
        decoder = new ImageDecoder(model, rvqConfig.CodeDim);
        rvq = new ResidualVectorQuantizer(rvqConfig);
        RegisterComponents();
    }

    public ImageTokenizerConfig Model { get; }
    public int GridSize => Model.GridSize;
    public int Positions => Model.GridSize * Model.GridSize;
    public int Depth => rvq.Depth;
    public int CodebookSize => rvq.CodebookSize;
    public int CodeDim => rvq.CodeDim;
    public ResidualVectorQuantizer Quantizer => rvq;

    /// <summary>Images [B, C, S, S] in [-1, 1] → continuous latents [B, L, d_z].</summary>
    public Tensor EncodeLatent(Tensor images)
    {
        CheckImages(images);
        var z = encoder.forward(images);                       // [B, dz, h, w]
        return z.flatten(2).transpose(1, 2);                   // [B, L, dz]
    }

    /// <summary>Summed code vectors [B, L, d_z] → images [B, C, S, S].</summary>
    public Tensor DecodeLatent(Tensor summed)
    {
        long b = summed.shape[0];
        var grid = summed.transpose(1, 2).reshape(b, CodeDim, GridSize, GridSize);
        return decoder.forward(grid);
    }

    public Tensor Encode(Tensor images)
    {
        using var _ = torch.no_grad();
        return rvq.Encode(EncodeLatent(images));
    }

    public Tensor Decode(Tensor indices)
    {
        using var _ = torch.no_grad();
        return DecodeLatent(rvq.Decode(indices));
    }

    /// <summary>Reconstruction from the first <paramref name="depths"/> depths only (eval).</summary>
    public Tensor Reconstruct(Tensor images, int depths)
    {
        using var _ = torch.no_grad();
        var idx = Encode(images);
        var visible = torch.full(idx.shape[..^1], depths, ScalarType.Int64, device: idx.device);
        return DecodeLatent(rvq.EmbedPrefix(idx, visible));
    }

    /// <summary>
    /// Full pass. In training mode a random share of the examples (quantizer dropout) use only a
    /// random number of depths 1..D, so that coarse prefixes decode well too. In eval mode the
    /// reconstruction equals Decode(Encode(images)).
    /// </summary>
    public TokenizerOutput Forward(Tensor images, Generator? generator = null)
    {
        var z = EncodeLatent(images);
        Tensor? active = null;
        float p = rvq.DropoutProbability;
        if (training && p > 0 && Depth > 1)
        {
            long b = images.shape[0];
            var drop = RandomDraw.Rand([b], generator, images.device) < p;
            var depths = RandomDraw.RandInt(1, Depth + 1, [b], generator, images.device);
            var perExample = torch.where(drop, depths, torch.full_like(depths, Depth));
            active = perExample.unsqueeze(1).expand(b, Positions);
        }
        var q = rvq.Quantize(z, active, generator);
        return new TokenizerOutput(DecodeLatent(q.Quantized), q);
    }

    void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != Model.Channels || images.shape[2] != Model.ImageSize || images.shape[3] != Model.ImageSize)
            throw new ArgumentException(
                $"expected images [B, {Model.Channels}, {Model.ImageSize}, {Model.ImageSize}], got [{string.Join(", ", images.shape)}]");
    }
}
