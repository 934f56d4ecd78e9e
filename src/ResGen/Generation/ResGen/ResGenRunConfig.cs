using ResGen.Tokens;
using ResGen.Training;

namespace ResGen.Generation;

/// <summary>Everything a ResGen run needs: network, optimisation, default sampler settings, and the tokens it models.</summary>
public sealed record ResGenRunConfig : IGeneratorConfig
{
    public ResGenModelConfig Model { get; init; } = new();
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
    public ResGenNetwork BuildNetwork() => new(Model, Tokens);
}
