using static TorchSharp.torch;

namespace ResGen.Tokens;

/// <summary>
/// Turns data into a grid of RVQ tokens [B, L, D] and back. The generator sees only this
/// interface: indices, their summed code embeddings, and the codebooks.
/// </summary>
public interface ITokenizer
{
    /// <summary>
    /// Positions per example (L) when every example has the same shape (an image grid); 0 for
    /// variable-length data (speech), where L follows from each example's length and
    /// <see cref="Encode"/> gives as many positions as its input needs.
    /// </summary>
    int Positions { get; }
    /// <summary>Depths per position (D).</summary>
    int Depth { get; }
    /// <summary>Codes per codebook (K).</summary>
    int CodebookSize { get; }
    /// <summary>Dimension of a code vector (d_z).</summary>
    int CodeDim { get; }
    /// <summary>The residual quantizer (codebooks, summed embeddings, re-quantization).</summary>
    ResidualVectorQuantizer Quantizer { get; }
    /// <summary>Data batch → indices [B, L, D] (int64).</summary>
    Tensor Encode(Tensor batch);
    /// <summary>Indices [B, L, D] → data batch.</summary>
    Tensor Decode(Tensor indices);
    /// <summary>Summed code embeddings [B, L, d_z] → data batch.</summary>
    Tensor DecodeLatent(Tensor summed);
}
