using System.CommandLine;
using System.Globalization;
using ResGen.Config;
using ResGen.Data;
using ResGen.Generation;
using ResGen.IO;
using ResGen.Tokens;
using TorchSharp;

namespace ResGen.Cli.Commands;

/// <summary>`resgen train`: trains a generator on tokens made by `resgen tokenizer encode` (image grids or speech).</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var tokens = new Option<string>("--tokens") { Description = "Token file of the training split (from `resgen tokenizer encode`): image token grids, or speech tokens with phonemes (then --tokenizer is the speech tokenizer and the config text-conditioned).", DefaultValueFactory = _ => "runs/tokens-train.safetensors", HelpName = "FILE" };
        var valTokens = new Option<string?>("--val-tokens") { Description = "Token cache of held-out data for the validation NLL (default: runs/tokens-test.safetensors when it exists and was made by the same tokenizer).", HelpName = "FILE" };
        var tokenizer = GeneratorOptions.Tokenizer();
        var config = CommonOptions.Config("generator");
        var set = CommonOptions.Set();
        var output = new Option<string?>("--out") { Description = "Run folder: checkpoints (last.*, model.*), metrics.jsonl, loss plot (default: runs/KIND).", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var model = new Option<string?>("--model")
        {
            Description = $"Generator kind: {string.Join(", ", GeneratorKinds.All.Select(k => k.Name))} (default: resgen, or the kind of the run being resumed).",
            HelpName = "KIND",
        };
        var precision = CommonOptions.Precision();
        var cmd = new Command("train", "Train a generator on a token cache: ResGen (depth-wise masked prediction of summed RVQ embeddings with a mixture-of-Gaussians head) or a counterpart (--model).")
            { model, tokens, valTokens, tokenizer, config, set, output, resume, device, threads, precision };
        cmd.SetAction(pr =>
        {
            var dtype = CommonOptions.ParsePrecision(pr.GetValue(precision)!);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            bool isResume = pr.GetValue(resume);
            string? outOption = pr.GetValue(output);
            var kind = ChooseKind(pr.GetValue(model), isResume ? Path.Combine(outOption ?? $"runs/{pr.GetValue(model) ?? GeneratorKinds.ResGen.Name}", "last") : null);
            string outDir = outOption ?? $"runs/{kind.Name}";
            OutputFolder.Prepare(outDir);
            string last = Path.Combine(outDir, "last");
            if (!isResume && File.Exists(last + ".json"))
                throw new UserErrorException($"'{outDir}' already holds a training run; continue it with --resume or pick another --out.");
            var sets = pr.GetValue(set) ?? [];
            string? file = pr.GetValue(config);
            var cfg = file is null && isResume && File.Exists(last + ".json") ? kind.ReadConfig(last, sets) : kind.LoadConfig(file, sets);
            var (train, val, quantizer, tokHash) = OpenData(pr.GetValue(tokens)!, pr.GetValue(valTokens), pr.GetValue(tokenizer)!, dev);
            cfg = cfg.WithTokens(train.LayoutFor(quantizer.CodeDim), tokHash,
                train is TokenCacheData { Cache.ClassNames: { Length: > 0 } names } ? names : null);
            if (train is SpeechTokenData speech)
            {
                if (file is null && isResume && cfg.Text is { } text && (text.Durations is not null) != speech.Tokens.Aligned)
                    throw new UserErrorException($"the run in '{outDir}' was trained {(speech.Tokens.Aligned ? "without" : "with")} phoneme timings but '{pr.GetValue(tokens)}' has {(speech.Tokens.Aligned ? "them" : "none")}; resume it on the tokens it started with.");
                cfg = cfg.WithText(speech.Tokens.Vocabulary, speech.Tokens.MeanDurations());
            }
            cfg.Validate();
            train.Check(cfg);
            torch.manual_seed(cfg.Train.Seed);
            var generator = kind.Build(cfg, quantizer);
            string scale = "";
            if (generator is ILatentScaled scaled)
            {
                if (isResume) scale = "; latent scale from the checkpoint";
                else
                {
                    using var scope = torch.NewDisposeScope();
                    scale = "; " + scaled.MeasureScales(quantizer, train.ScaleSample(250_000, dev));
                }
            }
            generator.Module.to(dev);
            // bf16: the network computes in bfloat16; the optimizer keeps float32 master weights and moments,
            // norms, losses and the quantizer stay in float32
            if (dtype != torch.ScalarType.Float32) generator.Module.to(dtype);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{kind.Name}: {Nn.ModuleSize.Parameters(generator.Module):N0} parameters; {train.Describe()}{scale}; device {dev}{(dtype == torch.ScalarType.Float32 ? "" : ", bf16 compute with fp32 master weights")}"));
            var eval = ConsoleProgress.RunTraining(kind.Name, cfg.Train.Steps, (progress, log) =>
                kind.Train(cfg, generator, train, val, outDir, isResume, dev, log, progress, GracefulStop.Token));
            Reports.FinishTraining(outDir, eval, $"{kind.Name} training", ["loss", "nll", "val_nll"], "loss (model units)");
            return 0;
        });
        return cmd;
    }

    /// <summary>--model, or the kind of the run being resumed (they must agree), or resgen.</summary>
    static GeneratorKind ChooseKind(string? requested, string? resumeFrom)
    {
        GeneratorKind? saved = resumeFrom is not null && File.Exists(resumeFrom + ".json") ? GeneratorKinds.OfCheckpoint(resumeFrom) : null;
        if (requested is null) return saved ?? GeneratorKinds.ResGen;
        var kind = GeneratorKinds.Find(requested);
        if (saved is not null && saved != kind)
            throw new UserErrorException($"the run being resumed trains a {saved.Name} model, not {kind.Name}; drop --model or pick another --out.");
        return kind;
    }

    /// <summary>
    /// The training and validation data and the tokenizer's quantizer: a token cache of images with an
    /// image tokenizer, or speech tokens (`resgen tokenizer encode` on a speech corpus) with the speech
    /// tokenizer that made them.
    /// </summary>
    static (IGeneratorData Train, IGeneratorData? Validation, ResidualVectorQuantizer Quantizer, string TokenizerHash) OpenData(
        string tokensPath, string? valPath, string tokenizerPath, torch.Device dev)
    {
        if (ResGen.Data.Speech.SpeechTokens.IsSpeechTokens(tokensPath))
        {
            if (!ResGen.Tokens.Speech.SpeechTokenizerCheckpoint.IsSpeechTokenizer(tokenizerPath))
                throw new UserErrorException($"'{tokensPath}' holds speech tokens: give --tokenizer the speech tokenizer that made them.");
            var (speechTok, _, speechHash) = ResGen.Tokens.Speech.SpeechTokenizerCheckpoint.Load(tokenizerPath, dev);
            var speech = ResGen.Data.Speech.SpeechTokens.Load(tokensPath);
            CheckHash(speech.TokenizerHash, speechHash, tokensPath);
            var trainData = new SpeechTokenData(speech, SpeechTokenData.PositionsFor(speech), new ResGen.Data.Speech.PromptSettings());
            SpeechTokenData? valData = null;
            if (valPath is not null)
            {
                var v = ResGen.Data.Speech.SpeechTokens.Load(valPath);
                CheckHash(v.TokenizerHash, speechHash, valPath);
                if (v.Aligned != speech.Aligned)
                    throw new UserErrorException($"'{(v.Aligned ? tokensPath : valPath)}' has no phoneme timings but '{(v.Aligned ? valPath : tokensPath)}' has; re-encode it with `resgen tokenizer encode`.");
                valData = new SpeechTokenData(v, trainData.Positions, new ResGen.Data.Speech.PromptSettings());
            }
            return (trainData, valData, speechTok.Quantizer, speechHash);
        }
        if (ResGen.Tokens.Speech.SpeechTokenizerCheckpoint.IsSpeechTokenizer(tokenizerPath))
            throw new UserErrorException($"'{tokenizerPath}' is a speech tokenizer but '{tokensPath}' holds no speech tokens; encode a speech corpus with it first.");
        var (tok, _, tokHash) = TokenizerCheckpoint.Load(tokenizerPath, dev);
        var train = ReadCache(tokensPath);
        CheckHash(train.TokenizerHash, tokHash, tokensPath);
        var val = valPath is null ? null : ReadCache(valPath);
        if (val is not null) CheckHash(val.TokenizerHash, tokHash, valPath!);
        else if (File.Exists(DefaultValidation))
        {
            // the default held-out cache serves only runs on the same tokenizer
            var candidate = ReadCache(DefaultValidation);
            if (candidate.TokenizerHash is { } h && h == tokHash) val = candidate;
            else Console.WriteLine($"note: {DefaultValidation} was made by another tokenizer; no validation NLL (pass --val-tokens).");
        }
        return (new TokenCacheData(train), val is null ? null : new TokenCacheData(val), tok.Quantizer, tokHash);
    }

    internal static TokenCache ReadCache(string path)
    {
        if (!File.Exists(path))
            throw new UserErrorException($"token cache '{path}' does not exist; make it with: resgen tokenizer encode --out {path}");
        return TokenCache.Read(path);
    }

    const string DefaultValidation = "runs/tokens-test.safetensors";

    static void CheckHash(string? hash, string tokenizerHash, string path)
    {
        if (!string.IsNullOrEmpty(hash) && hash != tokenizerHash)
            throw new UserErrorException($"token cache '{path}' was made by tokenizer config {hash}, not by the given tokenizer ({tokenizerHash}); re-encode it or pass the matching --tokenizer.");
    }

}
