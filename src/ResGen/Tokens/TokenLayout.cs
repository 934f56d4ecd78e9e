using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens;

/// <summary>How the L positions of a token sequence are arranged.</summary>
public enum PositionLayout
{
    /// <summary>A row-major 2-D grid of GridHeight × GridWidth positions (images).</summary>
    Grid,
    /// <summary>A 1-D sequence of up to GridWidth positions, each example with its own length (speech).</summary>
    Sequence,
}

/// <summary>The tokens a generator works on, taken from the tokenizer: positions, depth, codebooks.</summary>
public sealed record TokenLayout
{
    public int GridHeight { get; init; } = 7;
    public int GridWidth { get; init; } = 7;
    public int Depth { get; init; } = 8;
    public int CodebookSize { get; init; } = 256;
    public int CodeDim { get; init; } = 32;
    /// <summary>grid (2-D positions) or sequence (1-D, variable length up to GridWidth, GridHeight 1).</summary>
    public PositionLayout Layout { get; init; } = PositionLayout.Grid;

    /// <summary>L: positions per example (the maximum for a sequence).</summary>
    [JsonIgnore]
    public int Positions => GridHeight * GridWidth;

    /// <summary>The most token positions a layout may have.</summary>
    public const int MaxPositions = 65536;

    public void Validate()
    {
        if (GridHeight < 1 || GridWidth < 1) throw new UserErrorException($"grid must be at least 1×1, got {GridHeight}×{GridWidth}.");
        if (Layout == PositionLayout.Sequence && GridHeight != 1)
            throw new UserErrorException($"a sequence layout has grid_height 1 (its length is grid_width), got {GridHeight}.");
        // maxima far above any model here (and those of RvqConfig), so that a typing mistake is refused before allocation
        if ((long)GridHeight * GridWidth > MaxPositions)
            throw new UserErrorException($"a grid of {GridHeight}×{GridWidth} has more than {MaxPositions} positions.");
        if (Depth is < 1 or > 64) throw new UserErrorException($"depth must be in 1..64, got {Depth}.");
        if (CodebookSize is < 2 or > 65536) throw new UserErrorException($"codebook_size must be in 2..65536, got {CodebookSize}.");
        if (CodeDim is < 1 or > 65536) throw new UserErrorException($"code_dim must be in 1..65536, got {CodeDim}.");
    }

    /// <summary>Throws when a quantizer's codebooks do not fit this layout.</summary>
    public void CheckQuantizer(ResidualVectorQuantizer quantizer, string who)
    {
        if (Depth != quantizer.Depth || CodebookSize != quantizer.CodebookSize || CodeDim != quantizer.CodeDim)
            throw new UserErrorException(
                $"the {who} expects tokens of depth {Depth}, K = {CodebookSize}, d_z = {CodeDim}, " +
                $"but the tokenizer has depth {quantizer.Depth}, K = {quantizer.CodebookSize}, d_z = {quantizer.CodeDim}.");
    }
}

/// <summary>
/// A batch of token sequences: indices [B, L, D] (int64) and, for variable-length data, the real
/// length of each example [B] (positions at or after it are padding and never count), and for
/// prompted training (text-to-speech) the length of a prompt prefix [B] that a masked model sees
/// whole and is not scored on.
/// </summary>
public sealed record TokenBatch(Tensor Indices, Tensor? Lengths = null, Tensor? PromptLengths = null)
{
    /// <summary>
    /// For diagnostics: a masked model masks every depth of every real position after the prompt (the
    /// state its sampler starts in) instead of a random level. Autoregressive models score as always.
    /// </summary>
    public bool WholeTarget { get; init; }

    public long Batch => Indices.shape[0];
    public long Positions => Indices.shape[1];

    /// <summary>[B, L] true at real positions; null when every position is real.</summary>
    public Tensor? Valid => Lengths is null ? null : ValidMask(Lengths, Positions);

    /// <summary>[B, L] true at prompt positions; null when there is no prompt.</summary>
    public Tensor? Prompt => PromptLengths is null ? null : ValidMask(PromptLengths, Positions);

    /// <summary>Throws unless <paramref name="lengths"/> is [B] with every length in 1..<paramref name="positions"/> (reads the values: a host synchronisation).</summary>
    public static void CheckLengths(Tensor lengths, long batch, long positions)
    {
        if (lengths.dim() != 1 || lengths.shape[0] != batch)
            throw new ArgumentException($"lengths must be [{batch}], got [{string.Join(", ", lengths.shape)}]");
        if ((lengths < 1).any().item<bool>() || (lengths > positions).any().item<bool>())   // host: checks a request or a tokenizer call once, never inside a loop
            throw new UserErrorException($"every length must lie in 1..{positions}.");
    }

    /// <summary>[B, L] true where the position index is below the example's length.</summary>
    public static Tensor ValidMask(Tensor lengths, long positions)
        => torch.arange(positions, device: lengths.device).unsqueeze(0) < lengths.to(ScalarType.Int64).unsqueeze(1);
}
