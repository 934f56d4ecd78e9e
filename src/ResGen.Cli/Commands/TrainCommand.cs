using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ResGen.Config;
using ResGen.Data;
using ResGen.Generation;
using ResGen.Tokens;
using TorchSharp;

namespace ResGen.Cli.Commands;

/// <summary>`resgen train`: trains ResGen on a token cache made by `resgen tokenizer encode`.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var tokens = new Option<string>("--tokens") { Description = "Token cache of the training split (from `resgen tokenizer encode`).", DefaultValueFactory = _ => "runs/tokens-train.bin", HelpName = "FILE" };
        var valTokens = new Option<string?>("--val-tokens") { Description = "Token cache of held-out data for the validation NLL (default: runs/tokens-test.bin when it exists).", HelpName = "FILE" };
        var tokenizer = GeneratorOptions.Tokenizer();
        var config = CommonOptions.Config("generator");
        var set = CommonOptions.Set();
        var output = new Option<string>("--out") { Description = "Run folder: checkpoints (last.*, model.*), metrics.jsonl, loss plot.", DefaultValueFactory = _ => "runs/resgen", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("train", "Train ResGen (depth-wise masked prediction of summed RVQ embeddings with a mixture-of-Gaussians head) on a token cache.")
            { tokens, valTokens, tokenizer, config, set, output, resume, device, threads };
        cmd.SetAction(pr =>
        {
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            string outDir = pr.GetValue(output)!;
            bool isResume = pr.GetValue(resume);
            var (tok, _, tokHash) = TokenizerCheckpoint.Load(pr.GetValue(tokenizer)!, dev);
            var train = ReadCache(pr.GetValue(tokens)!);
            CheckCacheMatchesTokenizer(train, tokHash, pr.GetValue(tokens)!);
            string? valPath = pr.GetValue(valTokens) ?? (File.Exists("runs/tokens-test.bin") ? "runs/tokens-test.bin" : null);
            var val = valPath is null ? null : ReadCache(valPath);
            if (val is not null) CheckCacheMatchesTokenizer(val, tokHash, valPath!);

            var cfg = CommonOptions.LoadRunConfig<ResGenRunConfig>(pr.GetValue(config), pr.GetValue(set) ?? [], isResume ? Path.Combine(outDir, "last") : null, ResGenTraining.Kind);
            cfg = cfg with
            {
                Tokens = new TokenGridShape { GridHeight = train.GridHeight, GridWidth = train.GridWidth, Depth = train.Depth, CodebookSize = train.CodebookSize, CodeDim = tok.CodeDim },
                TokenizerHash = tokHash,
            };
            torch.manual_seed(cfg.Train.Seed);
            var network = cfg.BuildNetwork();
            if (!isResume)
            {
                using var scope = torch.NewDisposeScope();
                var sample = Enumerable.Range(0, Math.Min(5000, train.Count)).Select(i => (long)i).ToArray();
                network.SetLatentScale(ResGenModel.MeasureLatentScale(tok.Quantizer, train.Indices(sample, dev)));
            }
            network.to(dev);
            var model = new ResGenModel(network, tok.Quantizer);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"resgen: width {cfg.Model.Width}, {cfg.Model.Layers} layers, {cfg.Model.MixtureComponents} mixture components; {TokenizerCommands.CountParameters(network):N0} parameters; " +
                $"{train.Count} grids of {train.Length}×{train.Depth}; latent scale {(isResume ? "from the checkpoint" : network.LatentScale.ToString("0.###", CultureInfo.InvariantCulture))}; device {dev}"));
            var eval = ConsoleProgress.RunTraining("resgen", cfg.Train.Steps, (progress, log) =>
                ResGenTraining.Run(cfg, model, train, val, outDir, isResume, dev, log, progress));
            Reports.FinishTraining(outDir, eval, "resgen training", ["loss", "nll", "val_nll"], "nats per latent dimension");
            return 0;
        });
        return cmd;
    }

    internal static TokenCache ReadCache(string path)
    {
        if (!File.Exists(path))
            throw new UserErrorException($"token cache '{path}' does not exist; make it with: resgen tokenizer encode --out {path}");
        return TokenCache.Read(path);
    }

    static void CheckCacheMatchesTokenizer(TokenCache cache, string tokenizerHash, string path)
    {
        string? hash = null;
        try
        {
            using var doc = JsonDocument.Parse(cache.Metadata);
            if (doc.RootElement.TryGetProperty("tokenizer_config_hash", out var h)) hash = h.GetString();
        }
        catch (JsonException) { }
        if (hash is not null && hash != tokenizerHash)
            throw new UserErrorException($"token cache '{path}' was made by tokenizer config {hash}, not by the given tokenizer ({tokenizerHash}); re-encode it or pass the matching --tokenizer.");
    }

}
