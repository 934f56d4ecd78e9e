using ResGen.Tokens;
using ResGen.Training;

namespace ResGen.Generation.ArResGen;

/// <summary>Shape of AR-ResGen: a causal transformer over positions with ResGen's mixture head.</summary>
public sealed record ArResGenModelConfig : TransformerModelConfig
{
    /// <summary>Mixture components of the output distribution over a position's summed embedding.</summary>
    public int MixtureComponents { get; init; } = 16;
    /// <summary>Rank of the low-rank output projection that produces the mixture parameters.</summary>
    public int HeadRank { get; init; } = 64;

    public override void Validate()
    {
        base.Validate();
        if (MixtureComponents < 1) throw new UserErrorException($"model mixture_components must be at least 1, got {MixtureComponents}.");
        if (HeadRank < 1) throw new UserErrorException($"model head_rank must be at least 1, got {HeadRank}.");
    }
}

/// <summary>Everything an AR-ResGen run needs (the same training and sampler defaults as ResGen).</summary>
public sealed record ArResGenRunConfig : IGeneratorConfig
{
    public ArResGenModelConfig Model { get; init; } = new();
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
