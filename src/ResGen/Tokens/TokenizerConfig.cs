using ResGen.Config;
using ResGen.Training;

namespace ResGen.Tokens;

/// <summary>Everything a tokenizer run needs: the model, its quantizer and the optimisation.</summary>
public sealed record TokenizerConfig : IValidatable
{
    public ImageTokenizerConfig Model { get; init; } = new();
    public RvqConfig Rvq { get; init; } = new();
    public TrainSettings Train { get; init; } = new();

    public void Validate()
    {
        Model.Validate();
        Rvq.Validate();
        Train.Validate();
    }

    /// <summary>Builds the tokenizer this config describes.</summary>
    public ImageTokenizer Build() => new(Model, Rvq);
}
