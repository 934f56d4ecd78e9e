using System.Globalization;
using System.Text;
using ResGen.Data;
using ResGen.Generation;
using ResGen.Imaging;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>What `resgen bench models` measures, for every model and sampling setting alike.</summary>
/// <param name="PerClass">Samples per class for quality (N = 10 × this).</param>
/// <param name="StepList">Sampling steps tried for the masked models (ResGen, token-wise).</param>
/// <param name="BatchSize">Batch of the quality run and of the large-batch timing.</param>
/// <param name="Batch1Repeats">Timed batch-1 runs per row (the median is reported).</param>
/// <param name="MemoryBudgetBytes">Budget for the largest-batch estimate (0 = skip).</param>
/// <param name="Seed">Seed of every sampler and of the real-data subset.</param>
public sealed record BenchmarkSettings(int PerClass = 100, IReadOnlyList<int>? StepList = null, int BatchSize = 64, int Batch1Repeats = 3,
    long MemoryBudgetBytes = 4L << 30, long Seed = 0)
{
    public IReadOnlyList<int> Steps => StepList ?? [4, 8, 16, 32];

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{PerClass} samples per class, steps {string.Join(",", Steps)}, batch {BatchSize}, {Batch1Repeats} batch-1 repeats, memory budget {MemoryBudgetBytes / 1048576} MiB, seed {Seed}");
}

/// <summary>One model at one sampling setting.</summary>
public sealed record BenchmarkRow(
    string Model, string Kind, int Depth, long Parameters, long TrainSteps, int TrainBatch, string Sampler, int? Steps, int NetworkCalls, int NetworkPasses,
    long Samples, double ClassAccuracy, double Fd, double FdRealFloor, double FdReconstruction, double ReconstructionAccuracy,
    double MsPerSampleBatch1, double MsPerSampleBatchN, int BatchN, long? LargestBatchInBudget, double TrainFlops = 0)
{
    /// <summary>Model FLOPs of one of its training steps (<see cref="Evaluation.TrainingFlops"/>).</summary>
    public double FlopsPerStep => TrainSteps > 0 ? TrainFlops / TrainSteps : 0;
}

/// <summary>A ratio the paper makes a claim about, as measured here.</summary>
public sealed record BenchmarkComparison(string Claim, string Measure, double Value, string Detail);

/// <summary>Everything one run of the benchmark measured; <paramref name="Warnings"/> name what makes rows unequal (training budgets).</summary>
public sealed record BenchmarkReport(string Machine, string Settings, IReadOnlyList<BenchmarkRow> Rows, IReadOnlyList<BenchmarkComparison> Comparisons, IReadOnlyList<string> Warnings);

/// <summary>
/// Side by side in one process: every generator checkpoint given (any kind, any depth) on the
/// tokenizer it was trained on, scored by the same code — class accuracy and Fréchet distance at N
/// samples with the real-data floor and the tokenizer's own reconstruction distance at that N (the
/// ceiling any generator on those tokens can reach), wall-clock time per sample at batch 1 and batch
/// N, network calls and passes, the largest batch in a memory budget; the masked models at every step
/// count of the list. Then the ratios the paper's claims are about.
/// </summary>
public sealed class GeneratorBenchmark(FashionClassifier classifier, FeatureStats reference, ImageDataset train, Device device, BenchmarkSettings settings)
{
    readonly Dictionary<string, (double Fd, double Accuracy)> ceilings = [];

    /// <summary>Runs every model; <paramref name="log"/> receives one line per finished row.</summary>
    /// <param name="trainSteps">Training steps of each model (from its checkpoint), shown beside it and compared.</param>
    public BenchmarkReport Run(IReadOnlyList<ImageSampling> models, IReadOnlyList<string> labels, IReadOnlyList<long> trainSteps, IProgress<string>? log = null)
    {
        if (models.Count != labels.Count || models.Count != trainSteps.Count) throw new ArgumentException("one label and one step count per model");
        var rows = new List<BenchmarkRow>();
        for (int m = 0; m < models.Count; m++)
        {
            var s = models[m];
            bool masked = s.Generator.Stepwise;
            var ceiling = Ceiling(s);
            long? largest = settings.MemoryBudgetBytes > 0 ? GeneratorEvaluation.LargestBatch(s, s.Config.Sample, settings.MemoryBudgetBytes).Largest : null;
            var stepList = masked ? settings.Steps : [s.Config.Sample.Steps];
            foreach (var steps in stepList)
            {
                var ss = s.Config.Sample with { Steps = steps };
                var q = GeneratorEvaluation.Measure(s, classifier, reference, train, settings.PerClass, settings.Seed, ss, settings.BatchSize);
                q.Images.Dispose();
                double t1 = GeneratorEvaluation.SecondsPerSample(s, ss, 1, settings.Batch1Repeats);
                double tN = GeneratorEvaluation.SecondsPerSample(s, ss, settings.BatchSize, 1);
                var row = new BenchmarkRow(labels[m], s.Generator.Kind, s.Tokenizer.Depth, Nn.ModuleSize.Parameters(s.Generator.Module), trainSteps[m], s.Config.Train.BatchSize,
                    ss.ToString(), masked ? steps : null,
                    q.Calls, q.Passes, q.Quality.Samples, q.Quality.ClassAccuracy, q.Quality.Fd, q.Floor, ceiling.Fd, ceiling.Accuracy,
                    t1 * 1000, tN * 1000, settings.BatchSize, largest,
                    trainSteps[m] * TrainingFlops.PerStep(s.Config.ModelConfig, s.Config.Tokens, s.Config.Train.BatchSize));
                rows.Add(row);
                log?.Report(FormatRow(row));
            }
        }
        var warnings = new List<string>();
        if (rows.Select(r => (r.TrainSteps, r.TrainBatch)).Distinct().Count() > 1)
            warnings.Add("the models were trained for different budgets (" +
                         string.Join(", ", rows.Select(r => $"{r.Model}: {r.TrainSteps} steps × {r.TrainBatch}").Distinct()) + "); the comparison is not like for like.");
        return new BenchmarkReport(Machine(), settings.ToString(), rows, Compare(rows), warnings);
    }

    /// <summary>Fréchet distance and class accuracy of the tokenizer's reconstructions of N random training images (cached per tokenizer).</summary>
    (double Fd, double Accuracy) Ceiling(ImageSampling sampling)
    {
        var tokenizer = sampling.Tokenizer;
        string key = $"{tokenizer.Depth}:{sampling.Config.TokenizerHash}";
        if (ceilings.TryGetValue(key, out var c)) return c;
        int n = settings.PerClass * train.ClassNames.Length;
        var pick = SampleQuality.RandomSubset(train.Count, n, settings.Seed);
        var parts = new List<Tensor>();
        for (int s = 0; s < pick.Length; s += 500)
        {
            using var scope = torch.NewDisposeScope();
            var batch = train.Batch(pick[s..Math.Min(pick.Length, s + 500)], device);
            parts.Add(tokenizer.Decode(tokenizer.Encode(batch)).clamp(-1, 1).cpu().DetachFromDisposeScope());
        }
        using var images = torch.cat(parts);
        foreach (var p in parts) p.Dispose();
        var q = SampleQuality.Evaluate(classifier, images, train.LabelsTensor(pick), reference, train.ClassNames, device: device);
        return ceilings[key] = (q.Fd, q.ClassAccuracy);
    }

    /// <summary>The ratios behind the paper's claims, for the pairs present in the rows.</summary>
    public static IReadOnlyList<BenchmarkComparison> Compare(IReadOnlyList<BenchmarkRow> rows)
    {
        var list = new List<BenchmarkComparison>();
        BenchmarkRow? Default(string kind, int depth, int? steps = 16)
            => rows.Where(r => r.Kind == kind && r.Depth == depth).OrderBy(r => Math.Abs((r.Steps ?? 0) - (steps ?? 0))).FirstOrDefault();
        string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        foreach (var d in rows.Select(r => r.Depth).Distinct().Order())
        {
            var rg = Default(ResGenModel.KindName, d);
            var rq = Default(Generation.RqTransformer.RqTransformerModel.KindName, d);
            var ar = Default(Generation.ArResGen.ArResGenModel.KindName, d);
            if (rg is not null && rq is not null)
            {
                list.Add(new($"D = {d}: ResGen's FD relative to RQ-Transformer's (target ≤ 0.7; paper 9.26 / 13.11 = 0.71)", "fd_ratio", rg.Fd / rq.Fd, $"{F(rg.Fd)} vs {F(rq.Fd)} (ResGen at {rg.Steps} steps)"));
                list.Add(new($"D = {d}: ResGen's speed-up per sample at batch 1 (target ≥ 2; paper 2.38 s / 1.25 s = 1.9)", "speedup_batch_1", rq.MsPerSampleBatch1 / rg.MsPerSampleBatch1, $"{F(rq.MsPerSampleBatch1)} ms vs {F(rg.MsPerSampleBatch1)} ms"));
                if (rg.FlopsPerStep > 0 && rq.FlopsPerStep > 0)
                    list.Add(new($"D = {d}: training compute of an RQ-Transformer step relative to a ResGen step (equal steps are not equal FLOPs)", "flops_ratio_per_step", rq.FlopsPerStep / rg.FlopsPerStep,
                        $"{F(rq.FlopsPerStep / 1e9)} vs {F(rg.FlopsPerStep / 1e9)} GFLOP per step; trained {F(rq.TrainFlops / 1e15)} vs {F(rg.TrainFlops / 1e15)} PFLOP"));
            }
            if (ar is not null && rq is not null)
            {
                list.Add(new($"D = {d}: AR-ResGen's FD relative to RQ-Transformer's (paper: lower, 5.22 vs 5.50)", "fd_ratio", ar.Fd / rq.Fd, $"{F(ar.Fd)} vs {F(rq.Fd)}"));
                list.Add(new($"D = {d}: AR-ResGen's speed-up over RQ-Transformer at batch 1 (paper: 3.4)", "speedup_batch_1", rq.MsPerSampleBatch1 / ar.MsPerSampleBatch1, $"{F(rq.MsPerSampleBatch1)} ms vs {F(ar.MsPerSampleBatch1)} ms"));
            }
            foreach (var r in rows.Where(r => r.Kind == ResGenModel.KindName && r.Depth == d))
                if (rows.FirstOrDefault(t => t.Kind == Generation.MaskGit.MaskGitModel.KindName && t.Depth == d && t.Steps == r.Steps) is { } tw)
                    list.Add(new($"D = {d}, {r.Steps} steps: ResGen's FD relative to the token-wise model's (target < 1; paper 8.77 / 12.79 = 0.69)", "fd_ratio", r.Fd / tw.Fd, $"{F(r.Fd)} vs {F(tw.Fd)}"));
        }
        var depths = rows.Select(r => r.Depth).Distinct().Order().ToList();
        if (depths.Count >= 2)
        {
            int lo = depths[0], hi = depths[^1];
            foreach (var kind in new[] { ResGenModel.KindName, Generation.RqTransformer.RqTransformerModel.KindName })
                if (Default(kind, lo) is { } a && Default(kind, hi) is { } b)
                {
                    list.Add(new($"{kind}: time per sample (batch 1) from D = {lo} to {hi} (target: ResGen ≤ 1.1, RQ-Transformer ≥ 1.8)", "time_growth_batch_1", b.MsPerSampleBatch1 / a.MsPerSampleBatch1, $"{F(a.MsPerSampleBatch1)} → {F(b.MsPerSampleBatch1)} ms"));
                    list.Add(new($"{kind}: FD from D = {lo} to {hi} (paper, ResGen: 2.71 → 1.95 = 0.72)", "fd_ratio", b.Fd / a.Fd, $"{F(a.Fd)} → {F(b.Fd)}"));
                }
        }
        return list;
    }

    /// <summary>The rows as a Markdown table, then the comparisons.</summary>
    public static string Markdown(BenchmarkReport report)
    {
        var sb = new StringBuilder();
        string F(double v, string f = "0.00") => v.ToString(f, CultureInfo.InvariantCulture);
        var first = report.Rows.FirstOrDefault();
        foreach (var w in report.Warnings) sb.AppendLine($"> warning: {w}").AppendLine();
        sb.AppendLine($"| model | D | parameters | trained | steps | calls | passes | class accuracy | FD | FD real floor | FD tokenizer reconstructions | ms/sample batch 1 | ms/sample batch {first?.BatchN ?? 64} | largest batch in budget | training PFLOP |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Rows)
            sb.AppendLine($"| {r.Model} | {r.Depth} | {r.Parameters:N0} | {r.TrainSteps} × {r.TrainBatch} | {(r.Steps?.ToString(CultureInfo.InvariantCulture) ?? "–")} | {r.NetworkCalls} | {r.NetworkPasses} | " +
                          $"{F(r.ClassAccuracy * 100, "0.0")}% | {F(r.Fd)} | {F(r.FdRealFloor)} | {F(r.FdReconstruction)} | {F(r.MsPerSampleBatch1, "0.0")} | {F(r.MsPerSampleBatchN, "0.0")} | " +
                          $"{(r.LargestBatchInBudget?.ToString(CultureInfo.InvariantCulture) ?? "–")} | {F(r.TrainFlops / 1e15, "0.000")} |");
        if (report.Comparisons.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| claim | measure | value | detail |");
            sb.AppendLine("|---|---|---|---|");
            foreach (var c in report.Comparisons) sb.AppendLine($"| {c.Claim} | {c.Measure} | {F(c.Value, "0.00")} | {c.Detail} |");
        }
        return sb.ToString();
    }

    /// <summary>Quality (FD) against time per sample at batch N: one curve per model (over its step counts).</summary>
    public static void Plot(BenchmarkReport report, string path)
    {
        var plot = new LinePlot("Quality vs sampling time (same tokens, same machine)", $"ms per sample (batch {report.Rows.FirstOrDefault()?.BatchN ?? 64})", "Fréchet distance (classifier features)", logX: true);
        foreach (var g in report.Rows.GroupBy(r => r.Model))
            plot.Add(g.Key, g.Select(r => r.MsPerSampleBatchN).ToList(), g.Select(r => r.Fd).ToList());
        plot.Save(path);
    }

    static string FormatRow(BenchmarkRow r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Model}: steps {(r.Steps?.ToString(CultureInfo.InvariantCulture) ?? "-")} | calls {r.NetworkCalls} | passes {r.NetworkPasses} | accuracy {r.ClassAccuracy * 100:0.0}% | FD {r.Fd:0.###} (floor {r.FdRealFloor:0.###}, reconstructions {r.FdReconstruction:0.###}) | {r.MsPerSampleBatch1:0.0} ms/sample at batch 1, {r.MsPerSampleBatchN:0.0} at batch {r.BatchN}");

    /// <summary>The CPU, its logical CPUs, torch threads and the OS, in one line.</summary>
    public static string Machine()
    {
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
        return $"{cpu}, {Environment.ProcessorCount} logical CPUs, {torch.get_num_threads()} torch threads, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}
