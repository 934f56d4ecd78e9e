using ResGen.Config;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens.Speech;

/// <summary>
/// Loads a trained speech tokenizer (config from the sidecar, weights checked against it). The
/// sidecar's kind, <see cref="SpeechTokenizerTraining.Kind"/>, tells it from an image tokenizer
/// (<see cref="TokenizerTraining.Kind"/>): <see cref="IsSpeechTokenizer"/> reads only the sidecar.
/// </summary>
public static class SpeechTokenizerCheckpoint
{
    public static (SpeechTokenizer Tokenizer, SpeechTokenizerConfig Config, string Hash) Load(string path, Device? device = null)
    {
        var config = Checkpoint.LoadConfig<SpeechTokenizerConfig>(path, SpeechTokenizerTraining.Kind);
        var tokenizer = config.Build();
        Checkpoint.Load(path, tokenizer, SpeechTokenizerTraining.Kind);
        if (device is not null && device.type != DeviceType.CPU) tokenizer.to(device);
        tokenizer.eval();
        return (tokenizer, config, ConfigLoader.Hash(config));
    }

    /// <summary>True when the checkpoint at <paramref name="path"/> holds a speech tokenizer (reads the sidecar only).</summary>
    public static bool IsSpeechTokenizer(string path)
        => string.Equals(Checkpoint.ReadInfo(path).Kind, SpeechTokenizerTraining.Kind, StringComparison.Ordinal);
}
