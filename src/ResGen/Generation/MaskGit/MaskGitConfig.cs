using ResGen.Config;
namespace ResGen.Generation.MaskGit;

/// <summary>Shape of the token-wise masked model: ResGen's transformer with one softmax per depth instead of the mixture head.</summary>
public sealed record MaskGitModelConfig : TransformerModelConfig
{
    /// <summary>Rank of the low-rank output projection (width → rank → D·K logits).</summary>
    [ValueRange(1, 65536)]
    public int HeadRank { get; init; } = 64;
    /// <summary>Mask schedule γ shared by training and sampling: cosine, linear, square, cubic, sqrt.</summary>
    public string Schedule { get; init; } = "cosine";

    public override void Validate()
    {
        base.Validate();
        if (HeadRank < 1) throw new UserErrorException($"model head_rank must be at least 1, got {HeadRank}.");
        MaskSchedule.Check(Schedule);
    }
}

/// <summary>Everything a token-wise masked run needs (the same training and sampler defaults as ResGen).</summary>
public sealed record MaskGitRunConfig : GeneratorRunConfig<MaskGitModelConfig>;
