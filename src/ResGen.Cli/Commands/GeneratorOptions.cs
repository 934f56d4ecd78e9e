using System.CommandLine;
using ResGen.Data;
using ResGen.Generation;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>Options and loading shared by the verbs that sample from a trained generator.</summary>
public sealed class GeneratorOptions
{
    public const string DefaultGenerator = "models/resgen";

    public Option<string> Checkpoint { get; } = new("--checkpoint")
    {
        Description = $"Generator checkpoint (default: {DefaultGenerator}, the shipped one).",
        DefaultValueFactory = _ => DefaultGenerator,
        HelpName = "PATH",
    };
    public Option<string> TokenizerPath { get; } = Tokenizer();
    public Option<int?> Steps { get; } = new("--steps") { Description = "Sampling steps T (default: from the checkpoint's config, 16).", HelpName = "T" };
    public Option<float?> Cfg { get; } = new("--cfg") { Description = "Classifier-free guidance scale w (0 = no guidance; default from the config).", HelpName = "W" };
    public Option<string?> CfgSchedule { get; } = new("--cfg-schedule") { Description = "How the guidance scale moves over the steps: constant or linear.", HelpName = "NAME" };
    public Option<float?> TopP { get; } = new("--top-p") { Description = "Top-p (nucleus) filter on the mixture components.", HelpName = "P" };
    public Option<float?> Temperature { get; } = new("--temperature") { Description = "Initial temperature of the Gumbel noise on confidences (anneals to 0).", HelpName = "TAU" };
    public Option<float?> DrawScale { get; } = new("--draw-scale") { Description = "0: take the chosen component's mean; s > 0: draw from it with its scale times s.", HelpName = "S" };
    public Option<string?> Confidence { get; } = new("--confidence") { Description = "Token confidence: codes (component + code log-probabilities) or component (component alone, as in the paper).", HelpName = "NAME" };
    public Option<string?> Schedule { get; } = new("--schedule") { Description = "Mask schedule for the steps: cosine, linear, square, cubic or sqrt.", HelpName = "NAME" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Samples generated together.", DefaultValueFactory = _ => 256, HelpName = "N" };
    public Option<string> Device { get; } = CommonOptions.Device();
    public Option<int?> Threads { get; } = CommonOptions.Threads();

    public static Option<string> Tokenizer() => new("--tokenizer")
    {
        Description = $"Tokenizer checkpoint whose codebooks and decoder the generator uses (default: {TokenizerCommands.DefaultCheckpoint}).",
        DefaultValueFactory = _ => TokenizerCommands.DefaultCheckpoint,
        HelpName = "PATH",
    };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Checkpoint, TokenizerPath, Steps, Cfg, CfgSchedule, TopP, Temperature, DrawScale, Confidence, Schedule, BatchSize, Device, Threads })
            cmd.Options.Add(o);
    }

    /// <summary>Loads tokenizer + generator and the sampler settings (config defaults, then the options given).</summary>
    public Loaded Load(ParseResult pr)
    {
        var dev = CommonOptions.Setup(pr.GetValue(Device)!, pr.GetValue(Threads));
        var (tok, _, hash) = TokenizerCheckpoint.Load(pr.GetValue(TokenizerPath)!, dev);
        var (model, cfg) = ResGenCheckpoint.Load(pr.GetValue(Checkpoint)!, tok, hash, dev);
        var s = cfg.Sample;
        s = s with
        {
            Steps = pr.GetValue(Steps) ?? s.Steps,
            Guidance = pr.GetValue(Cfg) ?? s.Guidance,
            GuidanceSchedule = pr.GetValue(CfgSchedule) ?? s.GuidanceSchedule,
            TopP = pr.GetValue(TopP) ?? s.TopP,
            Temperature = pr.GetValue(Temperature) ?? s.Temperature,
            DrawScale = pr.GetValue(DrawScale) ?? s.DrawScale,
            Confidence = pr.GetValue(Confidence) ?? s.Confidence,
            Schedule = pr.GetValue(Schedule) ?? s.Schedule,
        };
        s.Validate();
        int batch = pr.GetValue(BatchSize);
        if (batch < 1) throw new UserErrorException($"--batch-size must be at least 1, got {batch}.");
        return new Loaded(tok, model, cfg, s, batch, dev);
    }

    public sealed record Loaded(ImageTokenizer Tokenizer, ResGenModel Model, ResGenRunConfig Config, SamplerSettings Settings, int BatchSize, Device Device)
    {
        /// <summary>Samples images [N, C, H, W] in [-1, 1] (CPU) for the labels, in batches; returns them with the network calls per sample.</summary>
        public (Tensor Images, int Passes) Generate(long[] labels, long seed, IProgress<double>? progress = null, SamplerSettings? settings = null)
        {
            var parts = new List<Tensor>();
            int passes = 0;
            var gen = new Generator((ulong)seed, Device);
            for (int s = 0; s < labels.Length; s += BatchSize)
            {
                using var scope = torch.NewDisposeScope();
                var y = torch.tensor(labels[s..Math.Min(labels.Length, s + BatchSize)], device: Device);
                var r = Model.Sample(settings ?? Settings, y, gen);
                passes = r.NetworkPasses;
                parts.Add(Tokenizer.Decode(r.Indices).clamp(-1, 1).cpu().DetachFromDisposeScope());
                progress?.Report(Math.Min(labels.Length, s + BatchSize));
            }
            return (torch.cat(parts), passes);
        }
    }

    /// <summary>Class indices from --class: "all", an index, or a name (see FashionMnist.ParseClass).</summary>
    public static int[] ParseClasses(string? value, int classCount)
        => value is null || value.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? Enumerable.Range(0, classCount).ToArray()
            : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(FashionMnist.ParseClass).ToArray();
}
