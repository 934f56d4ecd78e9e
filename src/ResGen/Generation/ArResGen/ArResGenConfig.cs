using ResGen.Config;
namespace ResGen.Generation.ArResGen;

/// <summary>Shape of AR-ResGen: a causal transformer over positions with ResGen's mixture head.</summary>
public sealed record ArResGenModelConfig : TransformerModelConfig
{
    /// <summary>Mixture components of the output distribution over a position's summed embedding.</summary>
    [ValueRange(1, 4096)]
    public int MixtureComponents { get; init; } = 16;
    /// <summary>Rank of the low-rank output projection that produces the mixture parameters.</summary>
    [ValueRange(1, 65536)]
    public int HeadRank { get; init; } = 64;

    public override void Validate()
    {
        base.Validate();
        if (MixtureComponents < 1) throw new UserErrorException($"model mixture_components must be at least 1, got {MixtureComponents}.");
        if (HeadRank < 1) throw new UserErrorException($"model head_rank must be at least 1, got {HeadRank}.");
    }
}

/// <summary>Everything an AR-ResGen run needs (the same training and sampler defaults as ResGen).</summary>
public sealed record ArResGenRunConfig : GeneratorRunConfig<ArResGenModelConfig>;
