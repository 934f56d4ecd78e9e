using ResGen.Config;
using ResGen.Tokens;
using ResGen.Training;

namespace ResGen.Generation;

/// <summary>
/// What every generator's run config has besides its network shape: optimisation, default sampler
/// settings, the tokens it models and the tokenizer that made them. Saved with every checkpoint.
/// </summary>
public interface IGeneratorConfig : IValidatable
{
    TrainSettings Train { get; }
    /// <summary>The network's shape (each kind's own model section).</summary>
    TransformerModelConfig ModelConfig { get; }
    /// <summary>Defaults of `resgen sample`, `eval` and `bench`.</summary>
    SamplerSettings Sample { get; }
    /// <summary>The tokens (set from the token cache by `resgen train`; not meant to be edited).</summary>
    TokenLayout Tokens { get; }
    /// <summary>Config hash of the tokenizer whose tokens the model was trained on (set by `resgen train`).</summary>
    string TokenizerHash { get; }
    /// <summary>Classes the model is conditioned on.</summary>
    int Classes { get; }
    /// <summary>Names of the classes, from the token cache (empty for models trained before caches recorded them).</summary>
    IReadOnlyList<string> ClassNames { get; }
    /// <summary>The phoneme encoder's shape when the model is conditioned on text; null for class labels.</summary>
    Conditioning.TextEncoderConfig? Text { get; }
    /// <summary>
    /// A copy whose text encoder knows <paramref name="vocabulary"/> phoneme ids and, for aligned speech
    /// tokens, their mean <paramref name="durations"/> in positions (set from the speech tokens by `resgen train`).
    /// </summary>
    IGeneratorConfig WithText(int vocabulary, double[]? durations);
    /// <summary>A copy for the given tokens and tokenizer (and the class names of the data, when known).</summary>
    IGeneratorConfig WithTokens(TokenLayout tokens, string tokenizerHash, IReadOnlyList<string>? classNames = null);
}
