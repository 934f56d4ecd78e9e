using System.Reflection;
using ResGen.Config;
using ResGen.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>
/// Saves and loads model checkpoints: weights as safetensors with PyTorch-style state-dict keys
/// (<c>NAME.safetensors</c>), the resolved config and metadata in a JSON sidecar (<c>NAME.json</c>),
/// and optionally a <see cref="TrainingState"/> for resuming (<c>NAME.train.safetensors</c>).
/// </summary>
/// <remarks>
/// Every file is written to a fresh temporary file and renamed into place; the sidecar is written
/// last, so it marks a complete checkpoint. Loading checks every file (existence, safetensors
/// header and length, kind, keys and shapes) before the model is touched and reports problems as
/// <see cref="UserErrorException"/>. Weights are copied into the module's existing tensors, so a
/// module bound to <see cref="FlatAdamW"/> stays bound.
/// </remarks>
public static class Checkpoint
{
    /// <summary>Writes a checkpoint; returns its file paths.</summary>
    /// <param name="path">The checkpoint name (<c>NAME</c> or <c>NAME.safetensors</c>).</param>
    /// <param name="module">The model whose <c>state_dict()</c> is saved.</param>
    /// <param name="kind">What the model is, e.g. <c>tokenizer</c>, <c>resgen</c> or <c>classifier</c>.</param>
    /// <param name="config">The resolved config, stored in the sidecar.</param>
    /// <param name="step">The training step.</param>
    /// <param name="training">State for resuming; when null any old training-state file of this name is deleted.</param>
    public static CheckpointPaths Save<TConfig>(string path, nn.Module module, string kind, TConfig config, long step, TrainingState? training = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(config);
        CheckKind(kind);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var paths = CheckpointPaths.For(path);

        var info = new CheckpointInfo(
            kind, step, DateTimeOffset.UtcNow, TorchSharpVersion, torch.__version__,
            ConfigLoader.Hash(config), ConfigLoader.ToJson(config), training is not null);
        var sidecar = System.Text.Encoding.UTF8.GetBytes(info.ToJson());
        using (var scope = torch.NewDisposeScope())
        {
            // one change of all files: a kill at any moment leaves the old checkpoint or the new one, never a mix
            var files = new List<(string, Action<Stream>)> { (paths.Weights, SafetensorsFile.Writer(module.state_dict())) };
            if (training is not null) files.Add((paths.Training, SafetensorsFile.Writer(training.Tensors)));
            files.Add((paths.Sidecar, s => s.Write(sidecar)));
            AtomicFile.WriteGroup(files, training is null ? [paths.Training] : []);
        }

        return paths;
    }

    /// <summary>Reads a checkpoint's sidecar without loading any tensor.</summary>
    public static CheckpointInfo ReadInfo(string path)
    {
        var paths = CheckpointPaths.For(path);
        if (!File.Exists(paths.Sidecar))
        {
            throw new UserErrorException(File.Exists(paths.Weights)
                ? $"Checkpoint '{paths.Weights}' has no sidecar '{paths.Sidecar}' (it may have been interrupted while saving)."
                : $"Checkpoint '{paths.Weights}' does not exist.");
        }

        return CheckpointInfo.Parse(File.ReadAllText(paths.Sidecar), paths.Sidecar);
    }

    /// <summary>Checks a checkpoint against <paramref name="module"/> and copies its weights in; returns its metadata.</summary>
    /// <param name="path">The checkpoint name.</param>
    /// <param name="module">The model to fill; its keys and shapes must match the checkpoint exactly.</param>
    /// <param name="expectedKind">The kind the caller needs, e.g. <c>tokenizer</c>.</param>
    public static CheckpointInfo Load(string path, nn.Module module, string expectedKind)
    {
        ArgumentNullException.ThrowIfNull(module);
        var paths = CheckpointPaths.For(path);
        var info = ReadInfo(path);
        CheckKind(info, paths, expectedKind);
        var what = $"checkpoint '{paths.Weights}'";
        var index = SafetensorsFile.ReadIndex(paths.Weights, what);

        using var scope = torch.NewDisposeScope();
        var target = module.state_dict();
        var diff = StateDictDiff.Compare(
            index.ToDictionary(kv => kv.Key, kv => kv.Value.Shape),
            target.ToDictionary(kv => kv.Key, kv => kv.Value.shape));
        if (!diff.IsMatch)
        {
            throw new UserErrorException(diff.Describe(what, $"the {expectedKind} model (keys or shapes differ; was it trained with another config?)"));
        }

        var loaded = SafetensorsFile.Load(paths.Weights, what);
        CheckFinite(loaded, what);
        using var noGrad = torch.no_grad();
        foreach (var (key, tensor) in target)
        {
            tensor.copy_(loaded[key]);
        }

        return info;
    }

    /// <summary>Reads the config stored with a checkpoint, checking its kind.</summary>
    public static TConfig LoadConfig<TConfig>(string path, string expectedKind) where TConfig : new()
    {
        var paths = CheckpointPaths.For(path);
        var info = ReadInfo(path);
        CheckKind(info, paths, expectedKind);
        return ConfigLoader.Parse<TConfig>(info.ConfigJson, $"config in checkpoint sidecar '{paths.Sidecar}'");
    }

    /// <summary>Reads the training state saved with a checkpoint; the caller owns (and disposes) the result.</summary>
    public static TrainingState LoadTrainingState(string path)
    {
        var paths = CheckpointPaths.For(path);
        var info = ReadInfo(path);
        if (!info.HasTrainingState)
        {
            throw new UserErrorException($"Checkpoint '{paths.Weights}' was saved without training state, so training cannot resume from it.");
        }

        using var scope = torch.NewDisposeScope();
        var what = $"training state '{paths.Training}'";
        var tensors = SafetensorsFile.Load(paths.Training, what);
        CheckFinite(tensors, what);
        return new TrainingState(tensors);
    }

    /// <summary>The TorchSharp package version, e.g. <c>0.107.0</c>.</summary>
    public static string TorchSharpVersion { get; } =
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Weights that hold NaN or infinity come from a damaged file (or a diverged run): refuse them with one sentence.</summary>
    public static void CheckFinite(IReadOnlyDictionary<string, Tensor> tensors, string what)
    {
        foreach (var (key, tensor) in tensors)
        {
            if (!tensor.is_floating_point()) continue;
            using var finite = torch.isfinite(tensor).all();
            if (!finite.item<bool>())
            {
                throw new UserErrorException($"{what} is corrupt: '{key}' holds NaN or infinite values (a damaged file or a diverged run); restore or retrain it.");
            }
        }
    }

    private static void CheckKind(CheckpointInfo info, CheckpointPaths paths, string expectedKind)
    {
        CheckKind(expectedKind);
        if (!string.Equals(info.Kind, expectedKind, StringComparison.Ordinal))
        {
            throw new UserErrorException($"'{paths.Weights}' is {Article(info.Kind)} {info.Kind} checkpoint, expected {Article(expectedKind)} {expectedKind}.");
        }
    }

    private static void CheckKind(string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        if (!kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
        {
            throw new ArgumentException($"Checkpoint kind '{kind}' must use lowercase letters, digits, '_' or '-'.", nameof(kind));
        }
    }

    private static string Article(string word) => "aeiou".Contains(word[0]) ? "an" : "a";
}
