using ResGen.Tokens;
using ResGen.Training;

namespace ResGen.Generation.MaskGit;

/// <summary>Shape of the token-wise masked model: ResGen's transformer with one softmax per depth instead of the mixture head.</summary>
public sealed record MaskGitModelConfig : TransformerModelConfig
{
    /// <summary>Rank of the low-rank output projection (width → rank → D·K logits).</summary>
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
public sealed record MaskGitRunConfig : IGeneratorConfig
{
    public MaskGitModelConfig Model { get; init; } = new();
    public TrainSettings Train { get; init; } = new() { Steps = 20000, BatchSize = 128, Lr = 1e-3, WarmupSteps = 500, EmaDecay = 0.999, WeightDecay = 0.01 };
    public SamplerSettings Sample { get; init; } = new();
    public TokenLayout Tokens { get; init; } = new();
    public string TokenizerHash { get; init; } = "";
    int IGeneratorConfig.Classes => Model.Classes;

    public void Validate()
    {
        Model.Validate();
        Train.Validate();
        Sample.Validate();
        Tokens.Validate();
    }

    public IGeneratorConfig WithTokens(TokenLayout tokens, string tokenizerHash) => this with { Tokens = tokens, TokenizerHash = tokenizerHash };
    public IGeneratorConfig WithSample(SamplerSettings sample) => this with { Sample = sample };
}
