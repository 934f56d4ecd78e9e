using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ResGen.Data.Speech;
using ResGen.Evaluation;
using ResGen.Generation;
using ResGen.IO;
using TorchSharp;

namespace ResGen.Cli.Commands;

/// <summary>
/// `resgen bench perf`: this program against its PyTorch twin (bench/twin/resgen_twin.py) on the same
/// checkpoint, the same work and the same threads, in one run, alternating: a check that the twin
/// computes the same network and re-quantization, a fresh process's first sampling run, warm sampling at
/// several batch sizes, a forward, a re-quantization and a training step; ratios PyTorch / ResGen.NET.
/// </summary>
public static class PerfCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "ResGen generator checkpoint.", DefaultValueFactory = _ => InstallPaths.Shipped("models/resgen"), HelpName = "PATH" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "Tokenizer checkpoint the generator was trained on.", DefaultValueFactory = _ => InstallPaths.Shipped("models/tokenizer"), HelpName = "PATH" };
        var twin = new Option<string>("--twin") { Description = "The PyTorch twin script, or 'none' to time this program alone.", DefaultValueFactory = _ => InstallPaths.Shipped("bench/twin/resgen_twin.py"), HelpName = "FILE" };
        var python = PyTorchTwin.PythonOption();
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds (each: this program, then the twin); ratios are medians over rounds.", DefaultValueFactory = _ => 3, HelpName = "N" };
        var batches = new Option<string>("--batches") { Description = "Sampling batch sizes, comma-separated.", DefaultValueFactory = _ => "1,64,256" };
        var coldBatch = new Option<string>("--cold-batch") { Description = "Batch sizes of the fresh-process measures, comma-separated (0 = skip them).", DefaultValueFactory = _ => "64,256", HelpName = "N[,N...]" };
        var steps = new Option<int>("--steps") { Description = "Sampling steps T.", DefaultValueFactory = _ => 16, HelpName = "T" };
        var cfg = new Option<float>("--cfg") { Description = "Guidance scale (two network passes per step when above 0).", DefaultValueFactory = _ => 0.75f, HelpName = "W" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per measure and round after one warm-up (median).", DefaultValueFactory = _ => 3, HelpName = "N" };
        var trainBatch = new Option<int>("--train-batch") { Description = "Token grids per training step (and per timed forward).", DefaultValueFactory = _ => 128, HelpName = "N" };
        var trainSteps = new Option<int>("--train-steps") { Description = "Timed training steps per round after one warm-up.", DefaultValueFactory = _ => 5, HelpName = "N" };
        var peak = new Option<double>("--peak-tflops") { Description = "The device's peak TFLOP/s, for the training step's model-FLOPs utilisation (H100/H200 SXM bf16 dense: about 989; 0 = not reported).", DefaultValueFactory = _ => 0, HelpName = "X" };
        var child = new Option<bool>("--cold-child") { Description = "Internal: load, sample twice, print the times and the first run's JIT time as JSON (the fresh process `bench perf` starts).", Hidden = true };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var precision = CommonOptions.Precision();
        precision.Description = "Arithmetic of the timed training step (sampling and the forward stay fp32): fp32, or bf16 (this program: the network in bfloat16, float32 master weights; the twin: PyTorch's autocast).";
        var outDir = new Option<string>("--out-dir") { Description = "Where perf.json and perf.md go.", DefaultValueFactory = _ => "runs/bench", HelpName = "DIR" };
        var cmd = new Command("perf", "This program against its PyTorch twin on the same checkpoint and work, alternating in one run: the twin's agreement, a fresh process's first sampling run, warm sampling at batch 1/64/256, a forward, a re-quantization and a training step (with tokens/s and MFU), with ratios.")
            { model, tokenizer, twin, python, rounds, batches, coldBatch, steps, cfg, repeats, trainBatch, trainSteps, peak, child, device, threads, precision, outDir };
        cmd.SetAction(pr =>
        {
            var bs = pr.GetValue(batches)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 1 ? v
                    : throw new UserErrorException($"--batches takes batch sizes of at least 1 separated by commas, got '{pr.GetValue(batches)}'.")).ToList();
            bool bf16 = CommonOptions.ParsePrecision(pr.GetValue(precision)!) == torch.ScalarType.BFloat16;
            var settings = new PerfSettings(bs, pr.GetValue(steps), pr.GetValue(cfg), pr.GetValue(repeats), pr.GetValue(trainBatch), pr.GetValue(trainSteps), bf16);
            settings.Validate();
            int nRounds = pr.GetValue(rounds);
            if (nRounds < 1) throw new UserErrorException($"--rounds must be at least 1, got {nRounds}.");
            var colds = pr.GetValue(coldBatch)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0 ? v
                    : throw new UserErrorException($"--cold-batch takes batch sizes of 0 or more separated by commas, got '{pr.GetValue(coldBatch)}'.")).Where(v => v > 0).ToList();
            int childBatch = colds.Count > 0 ? colds[0] : 64;
            PyTorchTwin.CheckPeak(pr.GetValue(peak));
            string modelPath = pr.GetValue(model)!, tokPath = pr.GetValue(tokenizer)!;
            foreach (var p in new[] { modelPath, tokPath })
                if (!File.Exists(p + ".json") && !File.Exists(p)) throw new UserErrorException($"checkpoint '{p}' not found.");
            string? twinPath = pr.GetValue(twin) is "none" ? null : Path.GetFullPath(pr.GetValue(twin)!);
            if (twinPath is not null && !File.Exists(twinPath)) throw new UserErrorException($"the twin script '{twinPath}' does not exist (or pass --twin none).");
            if (twinPath is null && pr.GetResult(python) is { Implicit: false })
                throw new UserErrorException("--python runs the PyTorch twin, and --twin none runs none; give a --twin script or leave --python out.");

            var sw = Stopwatch.StartNew();
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            int nThreads = torch.get_num_threads();
            var sampling = ImageSampling.Load(modelPath, tokPath, dev);
            var resgen = PerfBenchmark.AsResGen(sampling.Generator);
            double loadMs = sw.Elapsed.TotalMilliseconds;
            if (pr.GetValue(child))
            {
                using var g = new torch.Generator(0, dev);
                // how much of the first run is the JIT compiling methods (this thread's count and time)
                var jit0 = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
                long methods0 = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
                double first = PerfBenchmark.SampleOnce(resgen, childBatch, settings, g, dev);
                var jit = System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jit0;
                long methods = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - methods0;
                double second = PerfBenchmark.SampleOnce(resgen, childBatch, settings, g, dev);
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
                {
                    ["load_ms"] = loadMs,
                    ["first_sample_ms"] = first,
                    ["second_sample_ms"] = second,
                    ["first_jit_ms"] = jit.TotalMilliseconds,
                    ["first_jit_methods"] = methods,
                }));
                return 0;
            }

            string py = pr.GetValue(python)!;
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            string[] common = ["--model", Path.GetFullPath(modelPath), "--tokenizer", Path.GetFullPath(tokPath), .. PyTorchTwin.Common(dev, nThreads, bf16)];
            JsonElement Twin(params string[] args) => PyTorchTwin.Run(py, twinPath!, [.. args, .. common]);

            Console.WriteLine($"{Path.GetFileName(modelPath)} ({Nn.ModuleSize.Parameters(resgen.Network):N0} parameters) on {dev}, {nThreads} threads; {string.Join(", ", bs)} images × {settings.Steps} steps, guidance {settings.Guidance:0.##}; training step in {(bf16 ? "bf16" : "fp32")}; {nRounds} alternating rounds");
            var report = new Dictionary<string, object?>
            {
                ["machine"] = GeneratorBenchmark.Machine(),
                ["device"] = dev.ToString(),
                ["threads"] = nThreads,
                ["settings"] = settings,
            };

            // 1. the twin computes the same function
            if (twinPath is not null)
            {
                string check = Path.Combine(dir, "perf-check.safetensors");
                PerfBenchmark.WriteCheck(resgen, check);
                var c = Twin("check", "--file", Path.GetFullPath(check));
                double diff = c.GetProperty("forward_max_abs_diff").GetDouble(), same = c.GetProperty("requant_same_codes").GetDouble();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"twin (PyTorch {c.GetProperty("torch").GetString()}): network outputs agree to {diff:0.0e0} (largest output {c.GetProperty("forward_max_abs").GetDouble():0.0}), re-quantization picks the same codes at {same * 100:0.0}% of depths"));
                report["twin_check"] = new { torch = c.GetProperty("torch").GetString(), forward_max_abs_diff = diff, requant_same_codes = same };
                if (diff > 1e-3 || same < 0.99) Console.WriteLine("warning: the twin does not compute the same function; its ratios are not comparable.");
            }

            var rows = new List<PerfRow>();
            void Row(string measure, List<double> ours, List<double>? theirs, string unit = "ms")
            {
                var ratios = theirs is null ? null : theirs.Zip(ours, (t, o) => t / o).ToList();
                var row = new PerfRow(measure, GeneratorEvaluation.Median(ours), theirs is null ? null : GeneratorEvaluation.Median(theirs), ratios is null ? null : GeneratorEvaluation.Median(ratios),
                    ratios is null ? null : ratios.Min(), ratios is null ? null : ratios.Max(), unit);
                rows.Add(row);
                Console.WriteLine(Format(row));
            }

            // 2. a fresh process's first sampling run, what a CLI user gets
            foreach (int cb in colds)
            {
                int cold = cb;
                Console.WriteLine($"fresh processes (load, then two sampling runs of {cold}), alternating:");
                var oursWall = new List<double>(); var oursFirst = new List<double>(); var theirsWall = new List<double>(); var theirsFirst = new List<double>();
                var oursExtra = new List<double>(); var oursJit = new List<double>(); var theirsExtra = new List<double>();
                string self = typeof(PerfCommand).Assembly.Location;
                for (int r = 0; r < nRounds; r++)
                {
                    var t0 = Stopwatch.StartNew();
                    string o = ExternalTool.Run(Environment.ProcessPath!, [self, "bench", "perf", "--cold-child", "--model", modelPath, "--tokenizer", tokPath, "--cold-batch", cold.ToString(CultureInfo.InvariantCulture),
                        "--steps", settings.Steps.ToString(CultureInfo.InvariantCulture), "--cfg", settings.Guidance.ToString(CultureInfo.InvariantCulture), "--threads", nThreads.ToString(CultureInfo.InvariantCulture), "--device", pr.GetValue(device)!], null, TimeSpan.FromMinutes(30));
                    oursWall.Add(t0.Elapsed.TotalMilliseconds);
                    var oc = JsonDocument.Parse(o.Trim().Split('\n')[^1]).RootElement;
                    oursFirst.Add(oc.GetProperty("first_sample_ms").GetDouble());
                    oursExtra.Add(oc.GetProperty("first_sample_ms").GetDouble() - oc.GetProperty("second_sample_ms").GetDouble());
                    oursJit.Add(oc.GetProperty("first_jit_ms").GetDouble());
                    if (twinPath is null) continue;
                    t0.Restart();
                    var t = Twin("cold", "--batch", cold.ToString(CultureInfo.InvariantCulture), "--steps", settings.Steps.ToString(CultureInfo.InvariantCulture), "--guidance", settings.Guidance.ToString(CultureInfo.InvariantCulture));
                    theirsWall.Add(t0.Elapsed.TotalMilliseconds);
                    theirsFirst.Add(t.GetProperty("first_sample_ms").GetDouble());
                    theirsExtra.Add(t.GetProperty("first_sample_ms").GetDouble() - t.GetProperty("second_sample_ms").GetDouble());
                }
                // the wall time of a fresh process includes a second, warm run on both sides; the first run's
                // extra over it is what a fresh process costs beyond the work
                string twinExtra = twinPath is null ? "" : FormattableString.Invariant($", PyTorch {GeneratorEvaluation.Median(theirsExtra):0} ms");
                Console.WriteLine(FormattableString.Invariant(
                    $"  first run's extra over the second: ResGen.NET {GeneratorEvaluation.Median(oursExtra):0} ms (JIT compiling {GeneratorEvaluation.Median(oursJit):0} ms of it){twinExtra}"));
                report[$"first_run_extra_ms_batch{cold}"] = new { ours = GeneratorEvaluation.Median(oursExtra), ours_jit = GeneratorEvaluation.Median(oursJit), twin = twinPath is null ? (double?)null : GeneratorEvaluation.Median(theirsExtra) };
                Row($"first sampling run, {cold} images", oursFirst, twinPath is null ? null : theirsFirst);
                Row($"whole fresh process, {cold} images twice", oursWall, twinPath is null ? null : theirsWall);
            }

            // 3. warm measures, alternating rounds
            var ours = new List<PerfTimes>(); var theirs = new List<JsonElement>();
            string twinBatches = string.Join(",", bs);
            for (int r = 0; r < nRounds; r++)
            {
                Console.Error.WriteLine($"round {r + 1}/{nRounds}: ResGen.NET...");
                ours.Add(PerfBenchmark.Measure(resgen, settings, dev, seed: r));
                if (twinPath is null) continue;
                Console.Error.WriteLine($"round {r + 1}/{nRounds}: PyTorch twin...");
                theirs.Add(Twin("time", "--batches", twinBatches, "--steps", settings.Steps.ToString(CultureInfo.InvariantCulture), "--guidance", settings.Guidance.ToString(CultureInfo.InvariantCulture),
                    "--repeats", settings.Repeats.ToString(CultureInfo.InvariantCulture), "--train-batch", settings.TrainBatch.ToString(CultureInfo.InvariantCulture),
                    "--train-steps", settings.TrainSteps.ToString(CultureInfo.InvariantCulture), "--seed", r.ToString(CultureInfo.InvariantCulture)));
            }
            List<double>? T(Func<JsonElement, double> f) => twinPath is null ? null : theirs.Select(f).ToList();
            Console.WriteLine("warm, in one process:");
            foreach (int b in bs)
                Row($"sampling {b} image{(b == 1 ? "" : "s")}", ours.Select(o => o.SampleMs[b]).ToList(), T(t => t.GetProperty("sample_ms").GetProperty(b.ToString(CultureInfo.InvariantCulture)).GetDouble()));
            Row($"network forward, batch {settings.TrainBatch}", ours.Select(o => o.ForwardMs).ToList(), T(t => t.GetProperty("forward_ms").GetDouble()));
            Row("re-quantization, 64 grids, all depths", ours.Select(o => o.RequantMs).ToList(), T(t => t.GetProperty("requant_ms").GetDouble()));
            Row($"training step, batch {settings.TrainBatch}{(bf16 ? ", bf16" : "")}", ours.Select(o => o.TrainStepMs).ToList(), T(t => t.GetProperty("train_step_ms").GetDouble()));

            double stepS = GeneratorEvaluation.Median(ours.Select(o => o.TrainStepMs)) / 1000;
            var layout = resgen.Layout;
            double grids = settings.TrainBatch / stepS, flops = TrainingFlops.PerStep(resgen.Network.Model, resgen.Layout, settings.TrainBatch) / stepS;
            var throughput = new Dictionary<string, double>
            {
                ["train_grids_per_s"] = grids,
                ["train_tokens_per_s"] = grids * layout.Positions * layout.Depth,
                ["train_tflops"] = flops / 1e12,
            };
            foreach (int b in bs) throughput[$"images_per_s_batch{b}"] = b / (GeneratorEvaluation.Median(ours.Select(o => o.SampleMs[b])) / 1000);
            string mfu = PyTorchTwin.Mfu(flops / 1e12, pr.GetValue(peak));
            if (pr.GetValue(peak) > 0) throughput["mfu"] = flops / 1e12 / pr.GetValue(peak);
            long peakRss = ours.Max(o => o.PeakResidentBytes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"training: {grids:0.0} token grids/s ({grids * layout.Positions * layout.Depth:0} tokens/s), {flops / 1e12:0.000} TFLOP/s{mfu}; sampling: {string.Join(", ", bs.Select(b => $"{throughput[$"images_per_s_batch{b}"]:0.0} images/s at batch {b}"))}; peak resident memory {peakRss / 1048576.0:0} MiB"));
            report["rows"] = rows;
            report["throughput"] = throughput;
            report["peak_resident_bytes"] = peakRss;
            Reports.WriteJson(Path.Combine(dir, "perf.json"), report);
            AtomicFile.WriteText(Path.Combine(dir, "perf.md"), Markdown(rows));
            Console.WriteLine($"wrote {dir}/perf.json and {dir}/perf.md (ratio = PyTorch time / ResGen.NET time: above 1 = ResGen.NET faster)");
            return 0;
        });
        return cmd;
    }

    /// <summary>One measure: medians over rounds of both sides, and the median, lowest and highest per-round ratio.</summary>
    public sealed record PerfRow(string Measure, double Ours, double? Twin, double? Ratio, double? RatioMin, double? RatioMax, string Unit);

    static string Format(PerfRow r)
    {
        string twin = r.Twin is { } t ? FormattableString.Invariant($"   PyTorch {t,9:0.0} {r.Unit}   ratio {r.Ratio:0.00}× ({r.RatioMin:0.00}–{r.RatioMax:0.00})") : "";
        return FormattableString.Invariant($"  {r.Measure,-40} ResGen.NET {r.Ours,9:0.0} {r.Unit}") + twin;
    }

    static string Markdown(IReadOnlyList<PerfRow> rows)
    {
        var s = new System.Text.StringBuilder("| measure | ResGen.NET | PyTorch twin | PyTorch / ResGen.NET |\n| --- | --- | --- | --- |\n");
        foreach (var r in rows)
        {
            string twin = r.Twin is { } t ? FormattableString.Invariant($"{t:0.0} {r.Unit}") : "-";
            string ratio = r.Ratio is { } q ? FormattableString.Invariant($"{q:0.00}× ({r.RatioMin:0.00}–{r.RatioMax:0.00})") : "-";
            s.Append(FormattableString.Invariant($"| {r.Measure} | {r.Ours:0.0} {r.Unit} | {twin} | {ratio} |\n"));
        }
        return s.ToString();
    }
}
