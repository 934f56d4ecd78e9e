using System.CommandLine;
using ResGen.Runtime;
using TorchSharp;

namespace ResGen.Cli;

/// <summary>Options several verbs share, with one description each.</summary>
public static class CommonOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "Where to run: auto (CUDA when present), cpu or cuda.",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<string?> Data() => new("--data")
    {
        Description = $"Folder with the Fashion-MNIST gzip IDX files (default: {ResGen.Data.FashionMnist.DefaultDirectory}, from the Debian package dataset-fashion-mnist).",
        HelpName = "DIR",
    };

    public static Option<string?> Config(string what) => new("--config")
    {
        Description = $"JSON config file for the {what} (default: the built-in defaults; see configs/).",
        HelpName = "FILE",
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "Override a config value, e.g. --set train.steps=500 --set model.depth=16 (repeatable; unknown keys are errors).",
        HelpName = "KEY=VALUE",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string> Precision() => new("--precision")
    {
        Description = "Training arithmetic: fp32, or bf16 (the network in bfloat16 with float32 master weights, moments, norms, losses and quantizer maths; for GPUs with bf16 units, slower on most CPUs).",
        DefaultValueFactory = _ => "fp32",
        HelpName = "fp32|bf16",
    };

    /// <summary>The dtype of a --precision value, or one sentence naming the choices.</summary>
    public static torch.ScalarType ParsePrecision(string value) => value.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => torch.ScalarType.Float32,
        "bf16" or "bfloat16" => torch.ScalarType.BFloat16,
        _ => throw new UserErrorException($"--precision must be fp32 or bf16, got '{value}'."),
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "CPU threads for TorchSharp (default: all cores).",
        HelpName = "N",
    };

    /// <summary>
    /// The config of a training run: from --config (or the defaults) with --set applied; when
    /// resuming without --config, the config saved in the run's last checkpoint, with --set applied.
    /// </summary>
    public static T LoadRunConfig<T>(string? file, IReadOnlyList<string> sets, string? resumeFrom, string kind) where T : new()
    {
        if (file is null && resumeFrom is not null && File.Exists(resumeFrom + ".json"))
        {
            var saved = ResGen.Training.Checkpoint.LoadConfig<T>(resumeFrom, kind);
            return ResGen.Config.ConfigLoader.Parse<T>(ResGen.Config.ConfigLoader.ToJson(saved), resumeFrom + ".json", sets);
        }
        return ResGen.Config.ConfigLoader.Load<T>(file, sets);
    }

    /// <summary>Applies --threads and resolves --device.</summary>
    public static torch.Device Setup(string device, int? threads)
    {
        if (threads is { } t)
        {
            if (t < 1) throw new UserErrorException($"--threads must be at least 1, got {t}.");
            if (t > Environment.ProcessorCount)
                throw new UserErrorException($"--threads {t} is more than the {Environment.ProcessorCount} cores of this machine; libtorch's threads would wait on each other and run many times slower.");
            torch.set_num_threads(t);
        }
        return DeviceChoice.Resolve(device);
    }
}
