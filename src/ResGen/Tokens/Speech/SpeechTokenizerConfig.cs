using ResGen.Audio;
using ResGen.Config;
using ResGen.Training;

namespace ResGen.Tokens.Speech;

/// <summary>
/// Everything a speech tokenizer run needs: the mel front end it reads (stored with the
/// checkpoint, so that audio is turned into mels the way the tokenizer saw them), the model, its
/// quantizer, the optimisation and the length of the training crops.
/// </summary>
public sealed record SpeechTokenizerConfig : IValidatable
{
    public MelConfig Mel { get; init; } = new();
    public SpeechTokenizerModelConfig Model { get; init; } = new();
    /// <summary>The quantizer; by default the paper's D = 32, K = 128, and a dead-code threshold for ~3 latent vectors per code per step.</summary>
    public RvqConfig Rvq { get; init; } = new() { Depth = 32, CodebookSize = 128, CodeDim = 32, DeadCodeThreshold = 0.25f };
    public TrainSettings Train { get; init; } = new() { BatchSize = 16 };
    /// <summary>Mel frames of each training crop (a multiple of model.downsample): 192 = 2.4 s at 80 frames per second.</summary>
    [ValueRange(1, 1 << 20)]
    public int CropFrames { get; init; } = 192;

    public void Validate()
    {
        Mel.Validate();
        Model.Validate();
        Rvq.Validate();
        Train.Validate();
        Train.RefuseFlip("the speech tokenizer");
        if (CropFrames < Model.Downsample || CropFrames % Model.Downsample != 0)
            throw new UserErrorException($"crop_frames must be a positive multiple of model.downsample, got {CropFrames} and {Model.Downsample}.");
    }

    /// <summary>Builds the tokenizer this config describes.</summary>
    public SpeechTokenizer Build() => new(Mel, Model, Rvq);
}
