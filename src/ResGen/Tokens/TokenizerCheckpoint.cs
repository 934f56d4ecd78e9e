using ResGen.Config;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens;

/// <summary>Loads a trained image tokenizer (config from the sidecar, weights checked against it).</summary>
public static class TokenizerCheckpoint
{
    public static (ImageTokenizer Tokenizer, TokenizerConfig Config, string Hash) Load(string path, Device? device = null)
    {
        var config = Checkpoint.LoadConfig<TokenizerConfig>(path, TokenizerTraining.Kind);
        var tokenizer = config.Build();
        Checkpoint.Load(path, tokenizer, TokenizerTraining.Kind);
        if (device is not null && device.type != TorchSharp.DeviceType.CPU) tokenizer.to(device);
        tokenizer.eval();
        return (tokenizer, config, ConfigLoader.Hash(config));
    }
}
