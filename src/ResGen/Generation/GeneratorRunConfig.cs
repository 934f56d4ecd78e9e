using ResGen.Tokens;
using ResGen.Training;

namespace ResGen.Generation;

/// <summary>
/// A generator's run config: its network shape (<typeparamref name="TModel"/>) plus what every kind
/// shares — the same training recipe defaults, default sampler settings, the tokens it models and
/// the tokenizer that made them. Each kind's config is this record with its own model section.
/// </summary>
public abstract record GeneratorRunConfig<TModel> : IGeneratorConfig where TModel : TransformerModelConfig, new()
{
    public TModel Model { get; init; } = new();
    public TrainSettings Train { get; init; } = new() { Steps = 20000, BatchSize = 128, Lr = 1e-3, WarmupSteps = 500, EmaDecay = 0.999, WeightDecay = 0.01 };
    public SamplerSettings Sample { get; init; } = new();
    [Config.Derived("the token cache and tokenizer the run trains on")]
    public TokenLayout Tokens { get; init; } = new();
    [Config.Derived("the tokenizer the run trains on")]
    public string TokenizerHash { get; init; } = "";
    [Config.Derived("the token cache the run trains on")]
    public string[] ClassNames { get; init; } = [];
    IReadOnlyList<string> IGeneratorConfig.ClassNames => ClassNames;
    int IGeneratorConfig.Classes => Model.Classes;
    TransformerModelConfig IGeneratorConfig.ModelConfig => Model;

    public void Validate()
    {
        Model.Validate();
        Train.Validate();
        Train.RefuseFlip("a generator (it trains on tokens)");
        Sample.Validate();
        Tokens.Validate();
        if (ClassNames.Length > Model.Classes)
            throw new UserErrorException($"the data have {ClassNames.Length} classes but the model only {Model.Classes}; set model.classes to at least {ClassNames.Length}.");
    }

    Conditioning.TextEncoderConfig? IGeneratorConfig.Text => Model.Condition == Conditioning.ConditionKind.Text ? Model.Text : null;

    public IGeneratorConfig WithText(int vocabulary, double[]? durations)
        => this with { Model = (TModel)(Model with { Text = Model.Text with { Vocabulary = vocabulary, Durations = durations } }) };

    public IGeneratorConfig WithTokens(TokenLayout tokens, string tokenizerHash, IReadOnlyList<string>? classNames = null)
        => this with { Tokens = tokens, TokenizerHash = tokenizerHash, ClassNames = classNames is null ? ClassNames : [.. classNames] };
}
