using ResGen.Config;
using ResGen.Data;
using ResGen.Generation.ArResGen;
using ResGen.Generation.MaskGit;
using ResGen.Generation.RqTransformer;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// One kind of generator: its name (recorded in every checkpoint), its config type, how to build it
/// on a tokenizer's quantizer and how to train it. <see cref="GeneratorKinds"/> lists them all.
/// </summary>
public abstract class GeneratorKind
{
    /// <summary>Checkpoint kind and `--model` value, e.g. "resgen".</summary>
    public abstract string Name { get; }
    /// <summary>The config from a JSON file (null: the defaults) with key=value overrides.</summary>
    public abstract IGeneratorConfig LoadConfig(string? file, IReadOnlyList<string> overrides);
    /// <summary>The config saved with a checkpoint of this kind, with optional overrides.</summary>
    public abstract IGeneratorConfig ReadConfig(string checkpoint, IReadOnlyList<string>? overrides = null);
    /// <summary>A fresh (untrained) generator for the config on the tokenizer's quantizer.</summary>
    public abstract IGenerator Build(IGeneratorConfig config, ResidualVectorQuantizer quantizer);
    /// <summary>Trains (or, with <paramref name="resume"/>, continues) a run in <paramref name="runDirectory"/>.</summary>
    public IReadOnlyList<Metric> Train(IGeneratorConfig config, IGenerator model, TokenCache train, TokenCache? validation,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        CancellationToken stop = default)
        => Train(config, model, new TokenCacheData(train), validation is null ? null : new TokenCacheData(validation), runDirectory, resume, device, console, progress, stop);

    /// <summary>Trains (or, with <paramref name="resume"/>, continues) a run on any data (images or speech).</summary>
    public abstract IReadOnlyList<Metric> Train(IGeneratorConfig config, IGenerator model, IGeneratorData train, IGeneratorData? validation,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        CancellationToken stop = default);
}

/// <summary>A generator kind with config type <typeparamref name="TConfig"/>.</summary>
public sealed class GeneratorKind<TConfig>(string name, Func<TConfig, ResidualVectorQuantizer, IGenerator> build) : GeneratorKind
    where TConfig : class, IGeneratorConfig, new()
{
    public override string Name => name;

    public override IGeneratorConfig LoadConfig(string? file, IReadOnlyList<string> overrides) => ConfigLoader.Load<TConfig>(file, overrides);

    public override IGeneratorConfig ReadConfig(string checkpoint, IReadOnlyList<string>? overrides = null)
    {
        var saved = Checkpoint.LoadConfig<TConfig>(checkpoint, name);
        return overrides is null || overrides.Count == 0
            ? saved
            : ConfigLoader.Parse<TConfig>(ConfigLoader.ToJson(saved), CheckpointPaths.For(checkpoint).Sidecar, overrides);
    }

    public override IGenerator Build(IGeneratorConfig config, ResidualVectorQuantizer quantizer) => build(Cast(config), quantizer);

    public override IReadOnlyList<Metric> Train(IGeneratorConfig config, IGenerator model, IGeneratorData train, IGeneratorData? validation,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        CancellationToken stop = default)
        => GeneratorTraining.Run(Cast(config), model, train, validation, runDirectory, resume, device, console, progress, stop: stop);

    TConfig Cast(IGeneratorConfig config) => config as TConfig
        ?? throw new ArgumentException($"a {name} generator needs a {typeof(TConfig).Name}, got {config.GetType().Name}");
}

/// <summary>The registry of generator kinds, and loading a generator checkpoint of any kind.</summary>
public static class GeneratorKinds
{
    public static readonly GeneratorKind ResGen = new GeneratorKind<ResGenRunConfig>(ResGenModel.KindName,
        (c, q) => new ResGenModel(c.BuildNetwork(), q));

    public static readonly GeneratorKind MaskGit = new GeneratorKind<MaskGitRunConfig>(MaskGitModel.KindName,
        (c, q) => new MaskGitModel(new MaskGitNetwork(c.Model, c.Tokens), q));

    public static readonly GeneratorKind RqTransformer = new GeneratorKind<RqTransformerRunConfig>(RqTransformerModel.KindName,
        (c, q) => new RqTransformerModel(new RqTransformerNetwork(c.Model, c.Tokens), q));

    public static readonly GeneratorKind ArResGen = new GeneratorKind<ArResGenRunConfig>(ArResGenModel.KindName,
        (c, q) => new ArResGenModel(new ArResGenNetwork(c.Model, c.Tokens), q));

    /// <summary>Every kind, in the order tables list them.</summary>
    public static IReadOnlyList<GeneratorKind> All { get; } = [ResGen, MaskGit, RqTransformer, ArResGen];

    public static IEnumerable<string> Names => All.Select(k => k.Name);

    /// <summary>The kind called <paramref name="name"/>; a user error naming the known kinds otherwise.</summary>
    public static GeneratorKind Find(string name)
        => All.FirstOrDefault(k => k.Name == name)
           ?? throw new UserErrorException($"unknown generator kind '{name}'; choose one of {string.Join(", ", Names)}.");

    /// <summary>The kind recorded in a checkpoint's sidecar; a clear error when it is no generator.</summary>
    public static GeneratorKind OfCheckpoint(string checkpoint)
    {
        var info = Checkpoint.ReadInfo(checkpoint);
        return All.FirstOrDefault(k => k.Name == info.Kind)
               ?? throw new UserErrorException(
                   $"'{CheckpointPaths.For(checkpoint).Weights}' is a {info.Kind} checkpoint, not a generator (generator kinds: {string.Join(", ", Names)}).");
    }

    /// <summary>
    /// Loads a generator checkpoint of any kind onto the tokenizer whose codebooks it was trained on
    /// (checked by the tokenizer's config hash), in eval mode on <paramref name="device"/>.
    /// </summary>
    public static (IGenerator Generator, IGeneratorConfig Config) Load(string checkpoint, ResidualVectorQuantizer quantizer, string tokenizerHash, Device? device = null)
    {
        var kind = OfCheckpoint(checkpoint);
        var config = kind.ReadConfig(checkpoint);
        if (!string.IsNullOrEmpty(config.TokenizerHash) && config.TokenizerHash != tokenizerHash)
            throw new UserErrorException(
                $"the generator '{checkpoint}' was trained on tokens of tokenizer config {config.TokenizerHash}, but the tokenizer given has config {tokenizerHash}; pass the matching --tokenizer.");
        var generator = kind.Build(config, quantizer);
        Checkpoint.Load(checkpoint, generator.Module, kind.Name);
        if (device is not null && device.type != DeviceType.CPU) generator.Module.to(device);
        generator.Module.eval();
        return (generator, config);
    }
}
