using TorchSharp;
using ResGen.Tokens;
using ResGen.Training;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>Loads a trained ResGen network and joins it to the tokenizer whose codebooks it was trained on.</summary>
public static class ResGenCheckpoint
{
    public static (ResGenModel Model, ResGenRunConfig Config) Load(string path, ImageTokenizer tokenizer, string tokenizerHash, Device? device = null)
    {
        var config = Checkpoint.LoadConfig<ResGenRunConfig>(path, ResGenTraining.Kind);
        if (!string.IsNullOrEmpty(config.TokenizerHash) && config.TokenizerHash != tokenizerHash)
            throw new UserErrorException(
                $"the generator '{path}' was trained on tokens of tokenizer config {config.TokenizerHash}, but the tokenizer given has config {tokenizerHash}; pass the matching --tokenizer.");
        var network = config.BuildNetwork();
        Checkpoint.Load(path, network, ResGenTraining.Kind);
        if (device is not null && device.type != DeviceType.CPU) network.to(device);
        network.eval();
        return (new ResGenModel(network, tokenizer.Quantizer), config);
    }
}
