using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ResGen.Conditioning;
using ResGen.Data;
using ResGen.Evaluation;
using ResGen.Generation;
using ResGen.Imaging;
using ResGen.IO;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>
/// `resgen eval`: sample quality (class accuracy and Fréchet distance in the project classifier's
/// feature space, with the real-data floor at the same N), network passes per sample, wall-clock
/// time per sample at batch 1 and at a large batch, and the largest batch within a memory budget.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var g = new GeneratorOptions();
        var classifier = ClassifierOption();
        var data = new DataOptions();
        var count = new Option<int>("--count") { Description = "Samples per class for the quality numbers.", DefaultValueFactory = _ => 100, HelpName = "N" };
        var seed = new Option<long>("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 0, HelpName = "N" };
        var timing = new Option<bool>("--no-timing") { Description = "Skip the batch-1 / large-batch timing and the memory probe." };
        var budget = new Option<string>("--memory-budget") { Description = "Memory budget for the largest-batch estimate (CPU resident memory).", DefaultValueFactory = _ => "4G", HelpName = "SIZE" };
        var outDir = new Option<string>("--out-dir") { Description = "Where report.json and a sample grid go.", DefaultValueFactory = _ => "runs/eval", HelpName = "DIR" };
        var byDepth = new Option<bool>("--nll-by-depth")
        {
            Description = "ResGen models: also the NLL of the test images' tokens by the number of masked depths at a position (training's masks, 3 draws), with the log-scale of the best component.",
        };
        var consistent = new Option<bool>("--consistent-tokens") { Description = "With --nll-by-depth: score the test images' tokens re-encoded from their code sums (for a generator trained on tokens from `tokenizer encode --consistent`)." };
        var cmd = new Command("eval", "Evaluate a generator: class accuracy and Fréchet distance of its samples, network passes, time per sample, largest batch in a memory budget.")
            { classifier, count, seed, timing, budget, outDir, byDepth, consistent };
        g.AddTo(cmd);
        data.AddTo(cmd);
        cmd.Subcommands.Add(TtsEvalCommand.Create());
        cmd.SetAction(pr =>
        {
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            int n = pr.GetValue(count);
            if (n < 1) throw new UserErrorException($"--count must be at least 1, got {n}.");
            if (pr.GetValue(consistent) && !pr.GetValue(byDepth)) throw new UserErrorException("--consistent-tokens chooses the tokens --nll-by-depth scores; give both or neither.");
            long budgetBytes = MemoryProbe.ParseSize(pr.GetValue(budget)!);
            var loaded = g.Load(pr);
            if (pr.GetValue(byDepth) && loaded.Sampling.Generator is not ResGenModel)
                throw new UserErrorException($"--nll-by-depth needs a ResGen model (a mixture over masked depths); '{pr.GetValue(g.Checkpoint)}' is a {loaded.Kind} model.");
            var (test, train) = data.ForClassifier(pr, pr.GetValue(classifier)!);
            var (clf, reference) = SampleQuality.LoadReference(pr.GetValue(classifier)!, test, loaded.Device, dataId: data.DataId(pr));
            Console.WriteLine($"{loaded.Kind} sampler: {loaded.Settings}; {n} samples per class; device {loaded.Device}, {torch.get_num_threads()} threads");

            var result = ConsoleProgress.Run("sampling", n * loaded.Sampling.Classes, (p, _) =>
                GeneratorEvaluation.Measure(loaded.Sampling, clf, reference, train, n, pr.GetValue(seed), loaded.Settings, loaded.BatchSize, p));
            var report = new Dictionary<string, object>
            {
                ["generator"] = pr.GetValue(g.Checkpoint)!,
                ["kind"] = loaded.Kind,
                ["settings"] = loaded.Settings.ToString(),
                ["samples"] = result.Quality.Samples,
                ["class_accuracy"] = result.Quality.ClassAccuracy,
                ["per_class_accuracy"] = result.Quality.PerClass,
                ["fd"] = result.Quality.Fd,
                ["fd_real_floor"] = result.Floor,
                ["network_passes_per_sample"] = result.Passes,
                ["seconds_per_sample_in_batches"] = result.SecondsPerSample,
                ["batch_size"] = loaded.BatchSize,
            };
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"class accuracy {result.Quality.ClassAccuracy * 100:0.0}%  FD {result.Quality.Fd:0.###} (real-data floor at N = {result.Quality.Samples}: {result.Floor:0.###})  " +
                $"{result.Passes} network passes per sample  {result.SecondsPerSample * 1000:0.0} ms per sample (batch {loaded.BatchSize})"));
            foreach (var c in result.Quality.PerClass)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Name,-12} {c.Accuracy * 100,5:0.0}%"));

            if (!pr.GetValue(timing))
            {
                var t1 = GeneratorEvaluation.SecondsPerSample(loaded.Sampling, loaded.Settings, 1, repeats: 5);
                var tBig = GeneratorEvaluation.SecondsPerSample(loaded.Sampling, loaded.Settings, loaded.BatchSize, repeats: 1);
                report["seconds_per_sample_batch_1"] = t1;
                report["seconds_per_sample_batch_n"] = tBig;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time per sample: batch 1 {t1 * 1000:0.0} ms, batch {loaded.BatchSize} {tBig * 1000:0.00} ms"));
                if (MemoryProbe.Supported && loaded.Device.type == DeviceType.CPU)
                {
                    var (largest, measured) = GeneratorEvaluation.LargestBatch(loaded.Sampling, loaded.Settings, budgetBytes);
                    report["memory_budget_bytes"] = budgetBytes;
                    if (largest is { } lb) report["largest_batch_in_budget"] = lb;
                    report["peak_bytes_by_batch"] = measured.ToDictionary(m => m.Batch.ToString(CultureInfo.InvariantCulture), m => m.Bytes);
                    string peaks = string.Join(", ", measured.Select(m => string.Create(CultureInfo.InvariantCulture, $"batch {m.Batch}: {m.Bytes / 1048576.0:0} MiB")));
                    Console.WriteLine(largest is { } l
                        ? $"largest batch within {pr.GetValue(budget)}: about {l} samples (peak memory above start: {peaks})"
                        : $"largest batch within {pr.GetValue(budget)}: not measurable here, the peak did not grow with the batch ({peaks})");
                }
            }
            if (pr.GetValue(byDepth) && loaded.Sampling.Generator is ResGenModel resgen)
            {
                int m = Math.Min(test.Count, n * loaded.Sampling.Classes);
                TokenBatch tokens;
                ClassCondition labels;
                using (torch.no_grad())
                {
                    var codes = loaded.Sampling.Tokenizer.Encode(test.ToTensor(0, m, loaded.Device));
                    if (pr.GetValue(consistent)) codes = GreedyConsistency.Reencode(loaded.Sampling.Tokenizer.Quantizer, codes).Indices.to(loaded.Device);
                    tokens = new TokenBatch(codes.reshape(m, -1, codes.shape[^1]));
                    labels = new ClassCondition(test.LabelsTensor(0, m, loaded.Device));
                }
                var levels = MaskedDepthNlls.Measure(resgen, tokens, labels, pr.GetValue(seed));
                report["nll_by_masked_depths"] = levels;
                Console.WriteLine($"NLL of {m} test images' tokens by masked depths at a position (per latent dimension; log-scale of the component that explains the target best):");
                Console.WriteLine("  masked  positions        NLL   log-scale");
                foreach (var l in levels)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {l.MaskedDepths,6}  {l.Positions,9}  {l.Nll,9:0.000}  {l.LogScale,10:0.000}"));
            }
            Reports.WriteJson(Path.Combine(dir, "report.json"), report);
            ImageGrid.Save(result.Images, Path.Combine(dir, "samples.png"), columns: Math.Min(n, 10), scale: 2);
            Console.WriteLine($"wrote {dir}/report.json and {dir}/samples.png");
            return 0;
        });
        return cmd;
    }

    public static Option<string> ClassifierOption() => new("--classifier")
    {
        Description = $"Classifier checkpoint whose features and predictions score the samples (default: {ClassifierCheckpoint.DefaultPath}).",
        DefaultValueFactory = _ => ResGen.IO.InstallPaths.Shipped(ClassifierCheckpoint.DefaultPath),
        HelpName = "PATH",
    };
}
