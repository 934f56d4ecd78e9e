using ResGen.Config;
namespace ResGen.Tokens;

/// <summary>
/// Shape of the image tokenizer: images of <see cref="ImageSize"/> px with <see cref="Channels"/>
/// channels become a (ImageSize/Downsample)² grid of latent vectors. RGB data or larger images
/// (the paper's 256 px → 8×8 grid) need only other values here.
/// </summary>
public sealed record ImageTokenizerConfig
{
    /// <summary>Side of the (square) input image in pixels.</summary>
    [ValueRange(2, 16384)]
    public int ImageSize { get; init; } = 28;
    /// <summary>Colour channels of the input (1 = grey, 3 = RGB).</summary>
    [ValueRange(1, 64)]
    public int Channels { get; init; } = 1;
    /// <summary>Spatial reduction factor, a power of two: 28 px / 4 = a 7×7 grid.</summary>
    [ValueRange(1, 1024)]
    public int Downsample { get; init; } = 4;
    /// <summary>Feature channels at each resolution, finest first; log2(downsample)+1 entries.</summary>
    [ValueRange(1, 65536)]
    public int[] HiddenChannels { get; init; } = [32, 64, 128];
    /// <summary>Residual blocks at each resolution, in the encoder and in the decoder.</summary>
    [ValueRange(0, 64)]
    public int ResBlocks { get; init; } = 1;

    /// <summary>Positions per side of the latent grid.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int GridSize => ImageSize / Downsample;

    public void Validate()
    {
        if (ImageSize < 2) throw new UserErrorException($"model image_size must be at least 2, got {ImageSize}.");
        if (Channels < 1) throw new UserErrorException($"model channels must be positive, got {Channels}.");
        if (Downsample < 1 || (Downsample & (Downsample - 1)) != 0)
            throw new UserErrorException($"model downsample must be a power of two, got {Downsample}.");
        if (ImageSize % Downsample != 0)
            throw new UserErrorException($"model image_size {ImageSize} is not divisible by downsample {Downsample}.");
        int stages = System.Numerics.BitOperations.Log2((uint)Downsample) + 1;
        if (HiddenChannels.Length != stages)
            throw new UserErrorException($"model hidden_channels needs {stages} entries for downsample {Downsample} (one per resolution), got {HiddenChannels.Length}.");
        if (HiddenChannels.Any(c => c < 1)) throw new UserErrorException("model hidden_channels must all be positive.");
        if (ResBlocks < 0) throw new UserErrorException($"model res_blocks must be >= 0, got {ResBlocks}.");
    }
}
