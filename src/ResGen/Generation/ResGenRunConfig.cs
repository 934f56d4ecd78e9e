using ResGen.Config;
using ResGen.Training;

namespace ResGen.Generation;

/// <summary>Everything a ResGen run needs: network, optimisation, default sampler settings, and the token grid it models.</summary>
public sealed record ResGenRunConfig : IValidatable
{
    public ResGenModelConfig Model { get; init; } = new();
    public TrainSettings Train { get; init; } = new() { Steps = 20000, BatchSize = 128, Lr = 1e-3, WarmupSteps = 500, EmaDecay = 0.999, WeightDecay = 0.01 };
    /// <summary>Defaults of `resgen sample` and `resgen eval`.</summary>
    public SamplerSettings Sample { get; init; } = new();
    /// <summary>The token grid (set from the token cache by `resgen train`; not meant to be edited).</summary>
    public TokenGridShape Tokens { get; init; } = new();
    /// <summary>Config hash of the tokenizer whose tokens the model was trained on (set by `resgen train`).</summary>
    public string TokenizerHash { get; init; } = "";

    public void Validate()
    {
        Model.Validate();
        Train.Validate();
        Sample.Validate();
        Tokens.Validate();
    }

    public ResGenNetwork BuildNetwork() => new(Model, Tokens);
}
