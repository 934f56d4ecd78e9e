using ResGen.Config;
namespace ResGen.Generation.RqTransformer;

/// <summary>
/// Shape of the RQ-Transformer: a causal spatial transformer of <see cref="TransformerModelConfig.Layers"/>
/// blocks over positions and a causal depth transformer of <see cref="DepthLayers"/> blocks over the D
/// codes of one position, both of the same width.
/// </summary>
public sealed record RqTransformerModelConfig : TransformerModelConfig
{
    /// <summary>Blocks of the depth transformer.</summary>
    [ValueRange(1, 1024)]
    public int DepthLayers { get; init; } = 1;

    public RqTransformerModelConfig() => Layers = 3;

    public override void Validate()
    {
        base.Validate();
        if (DepthLayers < 1) throw new UserErrorException($"model depth_layers must be at least 1, got {DepthLayers}.");
    }
}

/// <summary>Everything an RQ-Transformer run needs (the same training and sampler defaults as ResGen).</summary>
public sealed record RqTransformerRunConfig : GeneratorRunConfig<RqTransformerModelConfig>;
