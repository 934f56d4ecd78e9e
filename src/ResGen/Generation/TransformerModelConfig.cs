using ResGen.Conditioning;
using ResGen.Config;

namespace ResGen.Generation;

/// <summary>
/// The transformer shape every generator shares (JSON keys are snake_case); each kind adds its own
/// head and process settings.
/// </summary>
public abstract record TransformerModelConfig
{
    /// <summary>Transformer width.</summary>
    [ValueRange(8, 65536)]
    public int Width { get; init; } = 128;
    /// <summary>Transformer blocks (for the RQ-Transformer: of the spatial transformer).</summary>
    [ValueRange(1, 1024)]
    public int Layers { get; init; } = 4;
    /// <summary>Attention heads (must divide width).</summary>
    [ValueRange(1, 4096)]
    public int Heads { get; init; } = 4;
    /// <summary>Hidden size of the MLP as a multiple of the width.</summary>
    [ValueRange(0, 64, MinExclusive = true)]
    public float MlpRatio { get; init; } = 4f;
    /// <summary>What the model is conditioned on: class (a label, through adaLN) or text (phonemes, through cross-attention).</summary>
    public ConditionKind Condition { get; init; } = ConditionKind.Class;
    /// <summary>The phoneme encoder (condition: text).</summary>
    public TextEncoderConfig Text { get; init; } = new();
    /// <summary>Number of classes (a further "null" class serves classifier-free guidance).</summary>
    [ValueRange(1, 1_000_000)]
    public int Classes { get; init; } = 10;
    /// <summary>Share of training examples whose label (or text) is replaced by the null condition.</summary>
    [ValueRange(0, 1, MaxExclusive = true)]
    public float LabelDropout { get; init; } = 0.1f;
    /// <summary>Dropout inside the transformer.</summary>
    [ValueRange(0, 1, MaxExclusive = true)]
    public float Dropout { get; init; } = 0f;

    public virtual void Validate()
    {
        if (Width < 8) throw new UserErrorException($"model width must be at least 8, got {Width}.");
        if (Layers < 1) throw new UserErrorException($"model layers must be at least 1, got {Layers}.");
        if (Heads < 1 || Width % Heads != 0) throw new UserErrorException($"model heads must divide width, got {Heads} and {Width}.");
        if (!(MlpRatio > 0) || float.IsInfinity(MlpRatio)) throw new UserErrorException($"model mlp_ratio must be positive, got {MlpRatio}.");
        if (Classes < 1) throw new UserErrorException($"model classes must be at least 1, got {Classes}.");
        if (!(LabelDropout is >= 0 and < 1)) throw new UserErrorException($"model label_dropout must be in [0, 1), got {LabelDropout}.");
        if (!(Dropout is >= 0 and < 1)) throw new UserErrorException($"model dropout must be in [0, 1), got {Dropout}.");
        if (Condition == ConditionKind.Text) Text.Validate();
    }
}
