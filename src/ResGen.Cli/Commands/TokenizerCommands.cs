using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ResGen.Config;
using ResGen.Data;
using ResGen.Evaluation;
using ResGen.Imaging;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>`resgen tokenizer train|eval|encode`.</summary>
public static class TokenizerCommands
{
    public const string DefaultCheckpoint = "models/tokenizer";

    public static Command Create()
    {
        var cmd = new Command("tokenizer", "Train, evaluate and apply an RVQ tokenizer: images (Fashion-MNIST, an image folder) or speech (a corpus from `resgen data speech`).");
        cmd.Subcommands.Add(Train());
        cmd.Subcommands.Add(Eval());
        cmd.Subcommands.Add(Encode());
        return cmd;
    }

    static Option<string> CheckpointOption() => new("--checkpoint")
    {
        Description = $"Tokenizer checkpoint (NAME, NAME.safetensors or NAME.json; default: {DefaultCheckpoint}, the shipped one).",
        DefaultValueFactory = _ => ResGen.IO.InstallPaths.Shipped(DefaultCheckpoint),
        HelpName = "PATH",
    };

    static Option<int?> LimitOption(string what) => new("--limit")
    {
        Description = $"Use only the first N images of {what}.",
        HelpName = "N",
    };

    static Command Train()
    {
        var config = CommonOptions.Config("tokenizer");
        var set = CommonOptions.Set();
        var data = new DataOptions();
        var output = new Option<string>("--out") { Description = "Run folder: checkpoints (last.*, model.*), metrics.jsonl, loss plot.", DefaultValueFactory = _ => "runs/tokenizer", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var limit = LimitOption("the training split");
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("train", "Train an RVQ tokenizer on Fashion-MNIST, an image folder or a speech corpus (with a speech config, e.g. configs/speech-tokenizer-small.json); progress bar and one parsable log line per interval.")
            { config, set, output, resume, limit, device, threads };
        data.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string outDir = ResGen.IO.OutputFolder.Prepare(pr.GetValue(output)!);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            var sets = pr.GetValue(set) ?? [];
            bool isResume = pr.GetValue(resume);
            if (SpeechTokenizerVerbs.IsCorpus(pr.GetValue(data.Data)))
                return SpeechTokenizerVerbs.Train(pr.GetValue(config), sets, pr.GetValue(data.Data)!, outDir, isResume, pr.GetValue(limit), dev);
            var cfg = CommonOptions.LoadRunConfig<TokenizerConfig>(pr.GetValue(config), sets, isResume ? Path.Combine(outDir, "last") : null, TokenizerTraining.Kind);
            var train = data.LoadTraining(pr, pr.GetValue(limit), cfg.Model.ImageSize, cfg.Model.Channels);
            var test = data.Load(pr, "test", null, cfg.Model.ImageSize, cfg.Model.Channels);
            torch.manual_seed(cfg.Train.Seed);
            var tok = cfg.Build();
            tok.to(dev);
            Console.WriteLine($"tokenizer: {Describe(cfg)}; {Nn.ModuleSize.Parameters(tok):N0} parameters; {train.Count} training images; device {dev}");
            var eval = ConsoleProgress.RunTraining("tokenizer", cfg.Train.Steps, (progress, log) =>
                TokenizerTraining.Run(cfg, tok, train, test, outDir, isResume, dev, log, progress, stop: GracefulStop.Token));
            Reports.FinishTraining(outDir, eval, "tokenizer training", ["rec", "commit"], "loss", logY: true);
            return 0;
        });
        return cmd;
    }

    static Command Eval()
    {
        var checkpoint = CheckpointOption();
        var data = new DataOptions();
        var limit = LimitOption("the test split");
        var outDir = new Option<string>("--out-dir") { Description = "Where the report (JSON), the reconstruction grid and the PSNR plot go.", DefaultValueFactory = _ => "runs/tokenizer-eval", HelpName = "DIR" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("eval", "Images: test-split MSE, PSNR and SSIM for every depth prefix 1..D, per-level code usage and perplexity, a PNG grid of originals vs reconstructions. Speech: log-mel MSE and mel-cepstral distortion per depth prefix, a plot and example WAVs.")
            { checkpoint, limit, outDir, device, threads };
        data.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string dir = ResGen.IO.OutputFolder.Prepare(pr.GetValue(outDir)!);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            if (IsSpeech(pr.GetValue(checkpoint)!, pr.GetValue(data.Data)))
                return SpeechTokenizerVerbs.Eval(pr.GetValue(checkpoint)!, pr.GetValue(data.Data)!, "test", pr.GetValue(limit), dir, dev);
            var (tok, cfg, hash) = TokenizerCheckpoint.Load(pr.GetValue(checkpoint)!, dev);
            var test = data.Load(pr, "test", pr.GetValue(limit), cfg.Model.ImageSize, cfg.Model.Channels);
            var report = ConsoleProgress.Run("evaluating", 1.0, (p, _) => TokenizerEvaluation.Run(tok, test, device: dev, progress: p));
            Console.WriteLine($"tokenizer {pr.GetValue(checkpoint)} ({Describe(cfg)}, config {hash}) on {report.Images} test images");
            Console.WriteLine("depth   MSE[0,1]    PSNR dB   SSIM");
            foreach (var d in report.Depths) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d.Depth,5}   {d.Mse,9:0.000000}   {d.Psnr,7:0.00}   {d.Ssim,6:0.0000}"));
            Console.WriteLine("level   usage   perplexity");
            foreach (var l in report.Levels) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{l.Level,5}   {l.UsedFraction * 100,5:0.0}%   {l.Perplexity,10:0.0}"));
            Reports.WriteJson(Path.Combine(dir, "report.json"), report);
            new LinePlot("tokenizer: PSNR vs depth", "depths decoded", "PSNR (dB)")
                .Add("test PSNR", report.Depths.Select(d => (double)d.Depth).ToList(), report.Depths.Select(d => d.Psnr).ToList())
                .Save(Path.Combine(dir, "psnr_vs_depth.png"));
            WriteReconstructionGrid(tok, test, Path.Combine(dir, "reconstructions.png"), dev);
            Console.WriteLine($"wrote {dir}/report.json, reconstructions.png, psnr_vs_depth.png");
            return 0;
        });
        return cmd;
    }

    static Command Encode()
    {
        var checkpoint = CheckpointOption();
        var data = new DataOptions();
        var split = new Option<string>("--split") { Description = "Which split to encode: train or test (speech: test is held-out-speaker; held-out-sentence also exists).", DefaultValueFactory = _ => "train" };
        split.AcceptOnlyFromAmong("train", "test", ResGen.Data.Speech.CorpusPlan.HeldOutSentence, ResGen.Data.Speech.CorpusPlan.HeldOutSpeaker);
        var limit = LimitOption("the split");
        var output = new Option<string>("--out") { Description = "Token cache file to write.", DefaultValueFactory = _ => "runs/tokens-train.safetensors", HelpName = "FILE" };
        var flip = new Option<bool>("--flip") { Description = "Images: also encode every picture mirrored left-right (twice the token grids: the pictures, then their mirror images), the usual augmentation for a generator's training tokens." };
        var consistent = new Option<bool>("--consistent") { Description = "Images: re-encode every position greedily from its own code sum until it re-quantizes to itself, so that the masked sums a ResGen is trained on turn back into exactly their codes (the decoded sums change slightly; the reconstruction is measured by `tokenizer eval` as before)." };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("encode", "Encode a whole split into one token file for generator training: images → [N, L, D] plus labels; speech → each utterance's codes with its phonemes and speaker.")
            { checkpoint, split, limit, flip, consistent, output, device, threads };
        data.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            ResGen.IO.OutputFolder.PrepareFile(pr.GetValue(output)!, "--out");
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            string ckpt = pr.GetValue(checkpoint)!;
            if (IsSpeech(ckpt, pr.GetValue(data.Data)))
            {
                if (pr.GetValue(flip)) throw new UserErrorException("--flip mirrors pictures; speech has no left and right.");
                return SpeechTokenizerVerbs.Encode(ckpt, pr.GetValue(data.Data)!, pr.GetValue(split)!, pr.GetValue(limit), pr.GetValue(output)!, dev);
            }
            if (pr.GetValue(split) is not ("train" or "test"))
                throw new UserErrorException($"--split {pr.GetValue(split)} exists only in speech corpora; image data have train and test.");
            var (tok, cfg, hash) = TokenizerCheckpoint.Load(ckpt, dev);
            var ds = data.Load(pr, pr.GetValue(split)!, pr.GetValue(limit), cfg.Model.ImageSize, cfg.Model.Channels);
            bool mirror = pr.GetValue(flip);
            var cache = ConsoleProgress.Run("encoding", ds.Count, (p, _) => EncodeAll(tok, ds, dev, p, flip: mirror));
            bool greedy = pr.GetValue(consistent);
            // the oracle recovery on the first 2,000 grids at most (it re-quantizes every position D times)
            var probe = cache.Indices.narrow(0, 0, Math.Min(2000, cache.Indices.shape[0]));
            PrintRecovery("greedy encoding", GreedyConsistency.Recovery(tok.Quantizer, probe));
            if (greedy)
            {
                float scale = ResGen.Generation.LatentScaleBuffer.Measure(tok.Quantizer, cache.Indices.narrow(0, 0, Math.Min(5000, cache.Indices.shape[0])));
                var again = GreedyConsistency.Reencode(tok.Quantizer, cache.Indices);
                cache = (again.Indices, cache.Labels);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"re-encoded from code sums: {again.Rounds} round(s), {again.ChangedShare * 100:0.00}% of tokens changed, {again.UnsettledShare * 100:0.000}% of positions unsettled, decoded sums moved by {again.SumShift:0.####} rms (latents {scale:0.###})"));
                PrintRecovery("consistent tokens", GreedyConsistency.Recovery(tok.Quantizer, cache.Indices.narrow(0, 0, probe.shape[0])));
            }
            var meta = JsonSerializer.Serialize(new { tokenizer = Path.GetFullPath(ckpt), tokenizer_config_hash = hash, split = pr.GetValue(split), dataset = DataOptions.Describe(pr.GetValue(data.Data)), class_names = ds.ClassNames, flip = mirror, greedy_consistent = greedy });
            var result = TokenCache.FromTensors(cache.Indices, cache.Labels, cfg.Model.GridSize, cfg.Model.GridSize, tok.CodebookSize, ds.ClassNames.Length, meta);
            TokenCache.Write(pr.GetValue(output)!, result);
            Console.WriteLine($"wrote {result.Count} token grids of {result.Length}×{result.Depth} (K = {result.CodebookSize}){(mirror ? $" ({ds.Count} pictures and their mirror images)" : "")} to {pr.GetValue(output)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>One line: how often re-quantizing exact masked sums returns their codes (the mean over first masked depths, and the worst).</summary>
    static void PrintRecovery(string what, IReadOnlyList<OracleRecovery> recovery)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: re-quantizing the exact masked sums returns the first masked code {recovery.Average(r => r.FirstDepth) * 100:0.0}%, all masked codes {recovery.Average(r => r.AllDepths) * 100:0.0}% (mean over first masked depths 0..{recovery.Count - 1}; worst {recovery.Min(r => r.AllDepths) * 100:0.0}%, masked from depth {recovery.MinBy(r => r.AllDepths)!.Start}; on up to 2,000 grids)"));

    /// <summary>
    /// Speech when the checkpoint holds a speech tokenizer; that needs a speech corpus in --data, and a
    /// speech corpus needs a speech tokenizer: a mismatch is one sentence.
    /// </summary>
    static bool IsSpeech(string checkpoint, string? data)
    {
        bool speechModel = ResGen.Tokens.Speech.SpeechTokenizerCheckpoint.IsSpeechTokenizer(checkpoint);
        bool speechData = SpeechTokenizerVerbs.IsCorpus(data);
        if (speechModel && !speechData)
            throw new UserErrorException($"'{checkpoint}' is a speech tokenizer: give --data a speech corpus folder (from `resgen data speech`).");
        if (!speechModel && speechData)
            throw new UserErrorException($"'{data}' is a speech corpus but '{checkpoint}' is an image tokenizer: give --checkpoint a speech tokenizer.");
        return speechModel;
    }

    /// <summary>
    /// Indices [N, L, D] and labels [N] of a whole data set (CPU tensors); with <paramref name="flip"/>,
    /// [2N, L, D]: the pictures, then the same pictures mirrored left-right, in the same order.
    /// </summary>
    public static (Tensor Indices, Tensor Labels) EncodeAll(ImageTokenizer tok, ImageDataset ds, Device dev, IProgress<double>? progress = null, int batch = 1000, bool flip = false)
    {
        var parts = new List<Tensor>();
        var mirrored = new List<Tensor>();
        for (int s = 0; s < ds.Count; s += batch)
        {
            using var scope = torch.NewDisposeScope();
            int n = Math.Min(batch, ds.Count - s);
            var x = ds.ToTensor(s, n, dev);
            parts.Add(tok.Encode(x).cpu().DetachFromDisposeScope());
            if (flip) mirrored.Add(tok.Encode(x.flip(3)).cpu().DetachFromDisposeScope());
            progress?.Report(s + n);
        }
        var labels = ds.LabelsTensor(0, ds.Count);
        return flip ? (torch.cat([.. parts, .. mirrored]), torch.cat([labels, labels])) : (torch.cat(parts), labels);
    }

    static void WriteReconstructionGrid(ImageTokenizer tok, ImageDataset test, string path, Device dev)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int n = Math.Min(12, test.Count);
        var x = test.ToTensor(0, n, dev);
        var depths = new List<int> { 1, 2 };
        for (int d = 4; d < tok.Depth; d *= 2) depths.Add(d);
        depths.Add(tok.Depth);
        depths = depths.Where(d => d <= tok.Depth).Distinct().ToList();
        var rows = new List<Tensor> { x };
        foreach (var d in depths) rows.Add(tok.Reconstruct(x, d).clamp(-1, 1));
        var labels = new List<string> { "original" };
        labels.AddRange(depths.Select(d => $"depth {d}"));
        ImageGrid.Save(torch.cat(rows).cpu(), path, n, scale: 3, rowLabels: labels);
    }

    internal static string Describe(TokenizerConfig c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Model.ImageSize}px ×{c.Model.Channels} → {c.Model.GridSize}×{c.Model.GridSize} grid, D = {c.Rvq.Depth}, K = {c.Rvq.CodebookSize}, d_z = {c.Rvq.CodeDim}");
}
