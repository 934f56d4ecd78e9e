namespace ResGen.Generation;

/// <summary>Shape of the ResGen network (JSON keys are snake_case).</summary>
public sealed record ResGenModelConfig
{
    /// <summary>Transformer width.</summary>
    public int Width { get; init; } = 128;
    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 4;
    /// <summary>Attention heads (must divide width).</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Hidden size of the MLP as a multiple of the width.</summary>
    public float MlpRatio { get; init; } = 4f;
    /// <summary>Mixture components of the output distribution over the masked embedding sum.</summary>
    public int MixtureComponents { get; init; } = 16;
    /// <summary>Rank of the low-rank output projection that produces the mixture parameters.</summary>
    public int HeadRank { get; init; } = 64;
    /// <summary>Number of classes (a further "null" class serves classifier-free guidance).</summary>
    public int Classes { get; init; } = 10;
    /// <summary>Share of training examples whose label is replaced by the null class.</summary>
    public float LabelDropout { get; init; } = 0.1f;
    /// <summary>Mask schedule γ shared by training and sampling: cosine, linear, square, cubic, sqrt.</summary>
    public string Schedule { get; init; } = "cosine";
    /// <summary>Dropout inside the transformer.</summary>
    public float Dropout { get; init; } = 0f;

    public void Validate()
    {
        if (Width < 8) throw new UserErrorException($"model width must be at least 8, got {Width}.");
        if (Layers < 1) throw new UserErrorException($"model layers must be at least 1, got {Layers}.");
        if (Heads < 1 || Width % Heads != 0) throw new UserErrorException($"model heads must divide width, got {Heads} and {Width}.");
        if (MlpRatio <= 0) throw new UserErrorException($"model mlp_ratio must be positive, got {MlpRatio}.");
        if (MixtureComponents < 1) throw new UserErrorException($"model mixture_components must be at least 1, got {MixtureComponents}.");
        if (HeadRank < 1) throw new UserErrorException($"model head_rank must be at least 1, got {HeadRank}.");
        if (Classes < 1) throw new UserErrorException($"model classes must be at least 1, got {Classes}.");
        if (LabelDropout is < 0 or >= 1) throw new UserErrorException($"model label_dropout must be in [0, 1), got {LabelDropout}.");
        if (Dropout is < 0 or >= 1) throw new UserErrorException($"model dropout must be in [0, 1), got {Dropout}.");
        MaskSchedule.Check(Schedule);
    }
}
