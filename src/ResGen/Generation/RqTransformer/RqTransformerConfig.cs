using ResGen.Tokens;
using ResGen.Training;

namespace ResGen.Generation.RqTransformer;

/// <summary>
/// Shape of the RQ-Transformer: a causal spatial transformer of <see cref="TransformerModelConfig.Layers"/>
/// blocks over positions and a causal depth transformer of <see cref="DepthLayers"/> blocks over the D
/// codes of one position, both of the same width.
/// </summary>
public sealed record RqTransformerModelConfig : TransformerModelConfig
{
    /// <summary>Blocks of the depth transformer.</summary>
    public int DepthLayers { get; init; } = 1;

    public RqTransformerModelConfig() => Layers = 3;

    public override void Validate()
    {
        base.Validate();
        if (DepthLayers < 1) throw new UserErrorException($"model depth_layers must be at least 1, got {DepthLayers}.");
    }
}

/// <summary>Everything an RQ-Transformer run needs (the same training and sampler defaults as ResGen).</summary>
public sealed record RqTransformerRunConfig : IGeneratorConfig
{
    public RqTransformerModelConfig Model { get; init; } = new();
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
