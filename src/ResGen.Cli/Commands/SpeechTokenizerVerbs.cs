using System.Globalization;
using ResGen.Audio;
using ResGen.Data.Speech;
using ResGen.Evaluation.Speech;
using ResGen.Imaging;
using ResGen.Tokens.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>
/// The speech halves of `resgen tokenizer train|eval|encode`: chosen when --data is a speech corpus
/// (`resgen data speech`) or the checkpoint holds a speech tokenizer.
/// </summary>
static class SpeechTokenizerVerbs
{
    /// <summary>Utterances of the held-out-speaker split the training run evaluates on (spread over its speakers).</summary>
    public const int EvalUtterances = 64;

    /// <summary>Whether <paramref name="data"/> names a speech corpus folder.</summary>
    public static bool IsCorpus(string? data) => data is not null && File.Exists(Path.Combine(data, SpeechCorpus.InfoFile));

    public static int Train(string? configFile, IReadOnlyList<string> sets, string data, string outDir, bool resume, int? limit, Device dev)
    {
        var cfg = CommonOptions.LoadRunConfig<SpeechTokenizerConfig>(configFile, sets, resume ? Path.Combine(outDir, "last") : null, SpeechTokenizerTraining.Kind);
        var corpus = SpeechCorpus.Load(data);
        using var train = WavMelSource.FromCorpus(corpus, CorpusPlan.Train, cfg.Mel, limit: limit);
        using var test = WavMelSource.FromCorpus(corpus, CorpusPlan.HeldOutSpeaker, cfg.Mel, limit: EvalUtterances);
        torch.manual_seed(cfg.Train.Seed);
        var tok = cfg.Build();
        tok.to(dev);
        Console.WriteLine($"speech tokenizer: {Describe(cfg)}; {Nn.ModuleSize.Parameters(tok):N0} parameters; {train.Count} training utterances; device {dev}");
        var eval = ConsoleProgress.RunTraining("speech tokenizer", cfg.Train.Steps, (progress, log) =>
            SpeechTokenizerTraining.Run(cfg, tok, train, test, outDir, resume, dev, log, progress, EvalUtterances, GracefulStop.Token));
        Reports.FinishTraining(outDir, eval, "speech tokenizer training", ["rec", "commit"], "loss", logY: true);
        return 0;
    }

    public static int Eval(string checkpoint, string data, string split, int? limit, string dir, Device dev)
    {
        var (tok, cfg, hash) = SpeechTokenizerCheckpoint.Load(checkpoint, dev);
        var corpus = SpeechCorpus.Load(data);
        string corpusSplit = CorpusSplit(split);
        using var test = WavMelSource.FromCorpus(corpus, corpusSplit, cfg.Mel, limit: limit ?? 256);
        var report = ConsoleProgress.Run("evaluating", 1.0, (p, _) => SpeechTokenizerEvaluation.Run(tok, test, device: dev, progress: p));
        Console.WriteLine($"speech tokenizer {checkpoint} ({Describe(cfg)}, config {hash}) on {report.Utterances} {corpusSplit} utterances");
        Console.WriteLine("depth   log-mel MSE   MCD dB");
        foreach (var d in report.Depths) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d.Depth,5}   {d.Mse,11:0.0000}   {d.Mcd,6:0.00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"code usage per level: min {report.Levels.Min(l => l.UsedFraction) * 100:0.0}%, mean perplexity {report.Levels.Average(l => l.Perplexity):0.0} of {tok.CodebookSize}"));
        Reports.WriteJson(Path.Combine(dir, "report.json"), report);
        var depths = report.Depths.Select(d => (double)d.Depth).ToList();
        new LinePlot("speech tokenizer: distortion vs depth", "depths decoded", "MCD (dB)")
            .Add($"{corpusSplit} MCD", depths, report.Depths.Select(d => d.Mcd).ToList())
            .Save(Path.Combine(dir, "mcd_vs_depth.png"));
        var depthsHeard = ExampleDepths(tok.Depth);
        int written = WriteExamples(tok, test, Math.Min(3, test.Count), depthsHeard, dir, dev);
        Console.WriteLine($"wrote {dir}/report.json, mcd_vs_depth.png and {written} WAVs (Griffin-Lim of the original log-mel, and of its reconstruction from depths {string.Join(", ", depthsHeard)})");
        return 0;
    }

    public static int Encode(string checkpoint, string data, string split, int? limit, string output, Device dev)
    {
        var (tok, cfg, hash) = SpeechTokenizerCheckpoint.Load(checkpoint, dev);
        var corpus = SpeechCorpus.Load(data);
        string corpusSplit = CorpusSplit(split);
        int n = WavMelSource.Spread(corpus.Split(corpusSplit).ToList(), limit).Count;
        var tokens = ConsoleProgress.Run($"encoding {corpusSplit}", n, (p, _) => SpeechTokenEncoder.Encode(tok, hash, corpus, corpusSplit, limit, dev, p));
        tokens.Save(output);
        long frames = tokens.Items.Sum(i => (long)i.Frames(tokens.Depth));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {tokens.Count} utterances ({frames:N0} positions × D = {tokens.Depth}, K = {tokens.CodebookSize}, {tokens.FrameRate:0.##} positions/s; longest {tokens.MaxFrames}; {tokens.Vocabulary} phoneme ids, longest {tokens.MaxPhonemes}) to {output}"));
        return 0;
    }

    /// <summary>The corpus split a --split value names ("test" is the held-out speakers).</summary>
    public static string CorpusSplit(string split) => split switch
    {
        "test" => CorpusPlan.HeldOutSpeaker,
        _ when CorpusPlan.Splits.Contains(split) => split,
        _ => throw new UserErrorException($"--split {split} is not a split of a speech corpus; use one of train, test, {string.Join(", ", CorpusPlan.Splits.Skip(1))}."),
    };

    static int[] ExampleDepths(int depth) => [.. new[] { 1, depth / 4, depth }.Where(d => d >= 1).Distinct()];

    static int WriteExamples(SpeechTokenizer tok, WavMelSource test, int count, IReadOnlyList<int> depths, string dir, Device dev)
    {
        int written = 0;
        using var mel = new MelSpectrogram(tok.Mel);
        var gen = new Generator(0);
        for (int i = 0; i < count; i++)
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var x = test.Get(i);
            long frames = x.shape[1];
            var codes = tok.EncodeUtterance(x.to(dev));
            void Save(string name, Tensor logMel)
            {
                var wave = GriffinLim.ToWaveform(logMel.cpu(), mel, generator: gen);
                WavFile.Write(Path.Combine(dir, $"{i:00}-{name}.wav"), new MonoAudio(wave.data<float>().ToArray(), tok.Mel.SampleRate));
                written++;
            }
            Save("griffin-lim", x);
            foreach (int d in depths)
                Save($"depth{d}", tok.DecodeToMel(codes.masked_fill(torch.arange(tok.Depth, device: codes.device) >= d, -1), frames));
        }
        return written;
    }

    internal static string Describe(SpeechTokenizerConfig c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Mel.MelBins} mel bands at {c.Mel.FrameRate:0.#} frames/s → {c.Mel.FrameRate / c.Model.Downsample:0.##} positions/s, D = {c.Rvq.Depth}, K = {c.Rvq.CodebookSize}, d_z = {c.Rvq.CodeDim}");
}
