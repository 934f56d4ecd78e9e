using System.CommandLine;
using ResGen.Data;
using ResGen.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>Options and loading shared by the verbs that sample from a trained generator.</summary>
public sealed class GeneratorOptions
{
    public const string DefaultGenerator = "models/resgen";

    public Option<string> Checkpoint { get; } = new("--checkpoint")
    {
        Description = $"Generator checkpoint of any kind (resgen, maskgit, rq-transformer, ar-resgen; default: {DefaultGenerator}, the shipped ResGen).",
        DefaultValueFactory = _ => ResGen.IO.InstallPaths.Shipped(DefaultGenerator),
        HelpName = "PATH",
    };
    public Option<string> TokenizerPath { get; } = Tokenizer();
    public Option<int?> Steps { get; } = new("--steps") { Description = "Sampling steps T (default: from the checkpoint's config, 16).", HelpName = "T" };
    public Option<float?> Cfg { get; } = new("--cfg") { Description = "Classifier-free guidance scale w (0 = no guidance; default from the config).", HelpName = "W" };
    public Option<string?> CfgSchedule { get; } = new("--cfg-schedule") { Description = "How the guidance scale moves over the steps: constant or linear.", HelpName = "NAME" };
    public Option<float?> TopP { get; } = new("--top-p") { Description = "Top-p (nucleus) filter on the mixture components.", HelpName = "P" };
    public Option<float?> Temperature { get; } = new("--temperature") { Description = "Initial temperature of the Gumbel noise on confidences (anneals to 0).", HelpName = "TAU" };
    public Option<float?> DrawScale { get; } = new("--draw-scale") { Description = "0: take the chosen component's mean; s > 0: draw from it with its scale times s.", HelpName = "S" };
    public Option<string?> MixtureGuidance { get; } = new("--mixture-guidance") { Description = "How guidance acts on a mixture (ResGen, AR-ResGen): extrapolate (logits and means; the default), logits (the component logits only) or tilt (reweight the components top-p keeps by (p_cond / p_uncond)^w at their means).", HelpName = "NAME" };
    public Option<string?> Confidence { get; } = new("--confidence") { Description = "Token confidence: codes (component + code log-probabilities) or component (component alone, as in the paper).", HelpName = "NAME" };
    public Option<CodeChoice?> CodeChoice { get; } = new("--code-choice") { Description = "How ResGen turns a drawn vector into codes: nearest (greedy re-quantization; the default) or sample (each code drawn from the softmax of -distance / 2 sigma^2 with the component's variance: varied at fine depths).", HelpName = "NAME" };
    public Option<string?> Schedule { get; } = new("--schedule") { Description = "Mask schedule for the steps: cosine, linear, square, cubic or sqrt.", HelpName = "NAME" };
    public Option<float?> TokenTemperature { get; } = new("--token-temperature") { Description = "Softmax temperature of token draws (token-wise and RQ-Transformer models).", HelpName = "T" };
    public Option<int?> TopK { get; } = new("--top-k") { Description = "Keep only the k most likely codes before a token draw (0 = all; token-wise and RQ-Transformer models).", HelpName = "K" };
    public Option<int> BatchSize { get; } = new("--batch-size")
    {
        // 64: as fast per sample as 256 on a 2-core CPU, at a third of the memory (peak RSS 1.3 vs 3.9 GiB)
        Description = "Samples generated together (memory grows with it: peak RSS about 1.3 GiB at 64, 3.9 GiB at 256 for the shipped ResGen).",
        DefaultValueFactory = _ => 64,
        HelpName = "N",
    };
    public Option<string> Device { get; } = CommonOptions.Device();
    public Option<int?> Threads { get; } = CommonOptions.Threads();

    public static Option<string> Tokenizer() => new("--tokenizer")
    {
        Description = $"Tokenizer checkpoint whose codebooks and decoder the generator uses (default: {TokenizerCommands.DefaultCheckpoint}).",
        DefaultValueFactory = _ => ResGen.IO.InstallPaths.Shipped(TokenizerCommands.DefaultCheckpoint),
        HelpName = "PATH",
    };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Checkpoint, TokenizerPath, Steps, Cfg, CfgSchedule, TopP, Temperature, DrawScale, MixtureGuidance, Confidence, CodeChoice, Schedule, TokenTemperature, TopK, BatchSize, Device, Threads })
            cmd.Options.Add(o);
    }

    /// <summary>The config saved with the generator checkpoint (its sidecar only: no weights are read).</summary>
    public IGeneratorConfig ReadConfig(ParseResult pr)
    {
        string path = pr.GetValue(Checkpoint)!;
        return GeneratorKinds.OfCheckpoint(path).ReadConfig(path);
    }

    /// <summary>Loads tokenizer + generator (any kind) and the sampler settings (config defaults, then the options given).</summary>
    public Loaded Load(ParseResult pr)
    {
        var dev = CommonOptions.Setup(pr.GetValue(Device)!, pr.GetValue(Threads));
        var sampling = ImageSampling.Load(pr.GetValue(Checkpoint)!, pr.GetValue(TokenizerPath)!, dev);
        var s = sampling.Config.Sample;
        s = s with
        {
            Steps = pr.GetValue(Steps) ?? s.Steps,
            Guidance = pr.GetValue(Cfg) ?? s.Guidance,
            GuidanceSchedule = pr.GetValue(CfgSchedule) ?? s.GuidanceSchedule,
            TopP = pr.GetValue(TopP) ?? s.TopP,
            Temperature = pr.GetValue(Temperature) ?? s.Temperature,
            DrawScale = pr.GetValue(DrawScale) ?? s.DrawScale,
            MixtureGuidance = pr.GetValue(MixtureGuidance) ?? s.MixtureGuidance,
            Confidence = pr.GetValue(Confidence) ?? s.Confidence,
            CodeChoice = pr.GetValue(CodeChoice) ?? s.CodeChoice,
            Schedule = pr.GetValue(Schedule) ?? s.Schedule,
            TokenTemperature = pr.GetValue(TokenTemperature) ?? s.TokenTemperature,
            TopK = pr.GetValue(TopK) ?? s.TopK,
        };
        s.Validate();
        int batch = pr.GetValue(BatchSize);
        if (batch < 1) throw new UserErrorException($"--batch-size must be at least 1, got {batch}.");
        return new Loaded(sampling, s, batch);
    }

    /// <summary>A loaded generator with the settings and batch size the options asked for.</summary>
    public sealed record Loaded(ImageSampling Sampling, SamplerSettings Settings, int BatchSize)
    {
        public Device Device => Sampling.Device;
        public string Kind => Sampling.Generator.Kind;
    }

    /// <summary>
    /// The class names of a generator: those recorded from its data (an image folder's folder names),
    /// else Fashion-MNIST's for a ten-class model trained before names were recorded, else the indices.
    /// </summary>
    public static IReadOnlyList<string> ClassNamesOf(IGeneratorConfig config)
        => config.ClassNames.Count > 0 ? config.ClassNames
            : config.Classes == FashionMnist.ClassCount ? FashionMnist.ClassNames
            : [.. Enumerable.Range(0, config.Classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Class indices from --class: "all", an index, a name, or a comma-separated list (see <see cref="Data.ClassNames.Parse"/>).</summary>
    public static int[] ParseClasses(string? value, IReadOnlyList<string> names)
    {
        if (value is null || value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return Enumerable.Range(0, names.Count).ToArray();
        var classes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => Data.ClassNames.Parse(names, v)).ToArray();
        if (classes.Length == 0) throw new UserErrorException($"--class names no class (got '{value}'); give a name, an index, a comma-separated list or all.");
        return classes;
    }
}
