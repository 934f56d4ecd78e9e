using System.Security.Cryptography;
using ResGen.Config;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>Loads a trained evaluation classifier (config from the sidecar, weights checked against it).</summary>
public static class ClassifierCheckpoint
{
    /// <summary>Where the shipped classifier lives (relative to the repository root).</summary>
    public const string DefaultPath = "models/classifier";

    public static (FashionClassifier Classifier, ClassifierConfig Config, string Hash) Load(string path, Device? device = null)
    {
        var config = Checkpoint.LoadConfig<ClassifierConfig>(path, ClassifierTraining.Kind);
        var classifier = config.Build();
        Checkpoint.Load(path, classifier, ClassifierTraining.Kind);
        if (device is not null && device.type != DeviceType.CPU) classifier.to(device);
        classifier.eval();
        return (classifier, config, ConfigLoader.Hash(config));
    }

    /// <summary>
    /// Identifies the classifier's weights: the first 16 hex digits of the SHA-256 of its
    /// safetensors file. Feature statistics record it so that stale caches are recomputed.
    /// </summary>
    public static string Fingerprint(string path)
    {
        var weights = CheckpointPaths.For(path).Weights;
        if (!File.Exists(weights)) throw new UserErrorException($"Checkpoint '{weights}' does not exist.");
        using var stream = File.OpenRead(weights);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
    }

    /// <summary>The file caching the test split's feature statistics next to a checkpoint: <c>NAME.test-stats.safetensors</c>.</summary>
    public static string TestStatsPath(string path)
    {
        var weights = CheckpointPaths.For(path).Weights;
        return weights[..^".safetensors".Length] + ".test-stats.safetensors";
    }
}
