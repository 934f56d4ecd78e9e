using ResGen.Config;
namespace ResGen.Tokens.Speech;

/// <summary>
/// Shape of the speech tokenizer's convolutional encoder and decoder (the <c>model</c> section of
/// a speech tokenizer config): mel frames are reduced in time by <see cref="Downsample"/>, in
/// stride-2 steps, so that 80 frames per second become 80 / downsample latent positions per
/// second (8 → 10 Hz, the paper's 10.76 Hz mel-VAE rate; 4 → 20 Hz).
/// </summary>
public sealed record SpeechTokenizerModelConfig
{
    /// <summary>Temporal reduction factor, a power of two: one latent position per this many mel frames.</summary>
    [ValueRange(1, 1024)]
    public int Downsample { get; init; } = 8;
    /// <summary>Feature channels at each time resolution, finest first; log2(downsample)+1 entries.</summary>
    [ValueRange(1, 65536)]
    public int[] HiddenChannels { get; init; } = [64, 96, 128, 192];
    /// <summary>Residual blocks at each resolution, in the encoder and in the decoder; block b dilates its first convolution by 3^b.</summary>
    [ValueRange(0, 64)]
    public int ResBlocks { get; init; } = 2;

    /// <summary>Stride-2 stages between the finest and the coarsest resolution.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Stages => System.Numerics.BitOperations.Log2((uint)Downsample);

    public void Validate()
    {
        if (Downsample < 1 || (Downsample & (Downsample - 1)) != 0)
            throw new UserErrorException($"model downsample must be a power of two, got {Downsample}.");
        if (HiddenChannels.Length != Stages + 1)
            throw new UserErrorException($"model hidden_channels needs {Stages + 1} entries for downsample {Downsample} (one per time resolution), got {HiddenChannels.Length}.");
        if (HiddenChannels.Any(c => c < 1)) throw new UserErrorException($"model hidden_channels must all be positive, got [{string.Join(", ", HiddenChannels)}].");
        if (ResBlocks < 0) throw new UserErrorException($"model res_blocks must be >= 0, got {ResBlocks}.");
    }
}
