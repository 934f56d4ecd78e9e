namespace ResGen.Generation;

/// <summary>Everything a ResGen run needs: network, optimisation, default sampler settings, and the tokens it models.</summary>
public sealed record ResGenRunConfig : GeneratorRunConfig<ResGenModelConfig>
{
    public ResGenNetwork BuildNetwork() => new(Model, Tokens);
}
