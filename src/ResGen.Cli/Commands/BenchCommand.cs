using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ResGen.Conditioning;
using ResGen.Data;
using ResGen.Evaluation;
using ResGen.Generation;
using ResGen.Imaging;
using ResGen.IO;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>`resgen bench`: measurements run side by side in one process, printed as tables with ratios and drawn as plots.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var cmd = new Command("bench", "Benchmarks measured side by side in one run: ResGen against its counterparts, quality vs sampling steps and guidance, sampling time vs RVQ depth.");
        cmd.Subcommands.Add(Models());
        cmd.Subcommands.Add(Sampling());
        cmd.Subcommands.Add(Depth());
        cmd.Subcommands.Add(Step());
        cmd.Subcommands.Add(Optimizer());
        cmd.Subcommands.Add(PerfCommand.Create());
        return cmd;
    }

    static Option<string> OutDir() => new("--out-dir") { Description = "Where the JSON results and plots go.", DefaultValueFactory = _ => "runs/bench", HelpName = "DIR" };

    /// <summary>Folder of the generators `bench models` compares by default (same tokens, same training budget).</summary>
    public const string BenchModels = "models/bench";

    static Command Models()
    {
        var models = new Option<string?>("--models") { Description = $"Generator checkpoints to compare, comma-separated (default: every generator in {BenchModels}/).", HelpName = "PATHS" };
        var tokenizers = new Option<string>("--tokenizers") { Description = "Tokenizer checkpoints; each generator runs on the one it was trained on (matched by config hash).", DefaultValueFactory = _ => string.Join(",", new[] { "models/tokenizer", "models/tokenizer-d16" }.Select(ResGen.IO.InstallPaths.Shipped)), HelpName = "PATHS" };
        var classifier = EvalCommand.ClassifierOption();
        var data = new DataOptions();
        var count = new Option<int>("--count") { Description = "Samples per class for every quality number (N = 10 × this).", DefaultValueFactory = _ => 100, HelpName = "N" };
        var stepList = new Option<string>("--step-list") { Description = "Sampling steps of the masked models (ResGen, token-wise), comma-separated.", DefaultValueFactory = _ => "4,8,16,32" };
        var batch = new Option<int>("--batch-size") { Description = "Batch of the quality runs and of the large-batch timing.", DefaultValueFactory = _ => 64, HelpName = "N" };
        var repeats = new Option<int>("--repeats") { Description = "Timed batch-1 runs per row (median).", DefaultValueFactory = _ => 3, HelpName = "N" };
        var budget = new Option<string>("--memory-budget") { Description = "Memory budget for the largest-batch estimate (CPU resident memory; 0 = skip).", DefaultValueFactory = _ => "4G", HelpName = "SIZE" };
        var seed = new Option<long>("--seed") { Description = "Seed of every sampler and of the real-data subset.", DefaultValueFactory = _ => 0, HelpName = "N" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var outDir = OutDir();
        var cmd = new Command("models", "ResGen against its counterparts (RQ-Transformer, token-wise masked model, AR-ResGen) on the same tokens and machine: quality, time per sample, passes, memory; a Markdown table, JSON and a quality-vs-time plot.")
            { models, tokenizers, classifier, count, stepList, batch, repeats, budget, seed, device, threads, outDir };
        data.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(count);
            if (n < 1) throw new UserErrorException($"--count must be at least 1, got {n}.");
            int b = pr.GetValue(batch);
            if (b < 1) throw new UserErrorException($"--batch-size must be at least 1, got {b}.");
            int rep = pr.GetValue(repeats);
            if (rep < 1) throw new UserErrorException($"--repeats must be at least 1, got {rep}.");
            string budgetText = pr.GetValue(budget)!;
            long budgetBytes = budgetText.Trim() == "0" ? 0 : MemoryProbe.ParseSize(budgetText);
            var steps = NumberList("--step-list", pr.GetValue(stepList)!, 1, MaxSteps, whole: true).Select(v => (int)v).ToList();
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            var paths = pr.GetValue(models) is { } list ? ParseList(list, s => s) : FindBenchModels();
            var toks = ParseList(pr.GetValue(tokenizers)!, s => s).Where(t => File.Exists(t + ".json") || File.Exists(t)).ToList();
            // each tokenizer is loaded once and shared by every generator trained on it
            var byHash = toks.Select(t => TokenizerCheckpoint.Load(t, dev)).GroupBy(t => t.Hash).ToDictionary(g => g.Key, g => g.First().Tokenizer);
            var loaded = new List<ImageSampling>();
            foreach (var p in paths)
            {
                var kind = GeneratorKinds.OfCheckpoint(p);
                var hash = kind.ReadConfig(p).TokenizerHash;
                if (!byHash.TryGetValue(hash, out var tok))
                    throw new UserErrorException($"no tokenizer given for '{p}' (trained on tokenizer config {hash}); pass it with --tokenizers.");
                var sampling = ImageSampling.Load(p, tok, hash, dev);
                int tokens = sampling.Generator.Layout.Positions * sampling.Generator.Layout.Depth;
                if (sampling.Generator.Stepwise && steps.Max() > tokens)
                    throw new UserErrorException($"--step-list goes up to {steps.Max()} steps, but '{p}' generates only {tokens} tokens per sample.");
                loaded.Add(sampling);
            }
            if (loaded.Count == 0) throw new UserErrorException("--models names no checkpoint.");
            // table order: kinds as the registry lists them, shallow tokens first
            var order = Enumerable.Range(0, loaded.Count)
                .OrderBy(i => GeneratorKinds.All.ToList().FindIndex(k => k.Name == loaded[i].Generator.Kind)).ThenBy(i => loaded[i].Tokenizer.Depth).ToList();
            loaded = order.Select(i => loaded[i]).ToList();
            var labels = order.Select(i => paths[i]).Select(p => Path.GetFileName(p.EndsWith(".json", StringComparison.Ordinal) ? p[..^5] : p)).ToList();
            var (test, train) = data.ForClassifier(pr, pr.GetValue(classifier)!);
            var (clf, reference) = SampleQuality.LoadReference(pr.GetValue(classifier)!, test, dev, dataId: data.DataId(pr));
            var settings = new BenchmarkSettings(n, steps, b, rep, budgetBytes, pr.GetValue(seed));
            Console.WriteLine($"{loaded.Count} models: {string.Join(", ", labels)}; {n * test.ClassNames.Length} samples per row; device {dev}, {torch.get_num_threads()} threads");
            var trained = order.Select(i => Training.Checkpoint.ReadInfo(paths[i]).Step).ToList();
            var report = new GeneratorBenchmark(clf, reference, train, dev, settings).Run(loaded, labels, trained, new ConsoleProgress.SyncProgress<string>(Console.WriteLine));
            foreach (var w in report.Warnings) Console.Error.WriteLine("warning: " + w);
            var md = GeneratorBenchmark.Markdown(report);
            Console.WriteLine();
            Console.WriteLine(md);
            AtomicFile.WriteText(Path.Combine(dir, "models.md"), md);
            Reports.WriteJson(Path.Combine(dir, "models.json"), report);
            GeneratorBenchmark.Plot(report, Path.Combine(dir, "models_quality_vs_time.png"));
            Console.WriteLine($"wrote {dir}/models.md, {dir}/models.json and {dir}/models_quality_vs_time.png");
            return 0;
        });
        return cmd;
    }

    /// <summary>Every generator checkpoint (a sidecar whose kind is a generator kind) in <see cref="BenchModels"/>.</summary>
    static List<string> FindBenchModels()
    {
        string folder = ResGen.IO.InstallPaths.Shipped(BenchModels);
        var found = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal)
                .Select(f => f[..^5])
                .Where(stem => File.Exists(stem + ".safetensors") && GeneratorKinds.Names.Contains(Training.Checkpoint.ReadInfo(stem).Kind))
                .ToList()
            : [];
        if (found.Count == 0) throw new UserErrorException($"no generator checkpoints in {BenchModels}/; pass --models.");
        return found;
    }

    static Command Sampling()
    {
        var g = new GeneratorOptions();
        var classifier = EvalCommand.ClassifierOption();
        var data = new DataOptions();
        var count = new Option<int>("--count") { Description = "Samples per class at every setting.", DefaultValueFactory = _ => 50, HelpName = "N" };
        var stepList = new Option<string>("--step-list") { Description = "Sampling steps to compare, comma-separated.", DefaultValueFactory = _ => "4,8,16" };
        var cfgList = new Option<string>("--cfg-list") { Description = "Guidance scales to compare, comma-separated (0 = unguided).", DefaultValueFactory = _ => "0,0.75" };
        var seed = new Option<long>("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 0, HelpName = "N" };
        var outDir = OutDir();
        var cmd = new Command("sampling", "Class accuracy, Fréchet distance and time per sample for every (steps, guidance) pair; plot of quality vs wall-clock time.")
            { classifier, count, stepList, cfgList, seed, outDir };
        g.AddTo(cmd);
        data.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(count);
            if (n < 1) throw new UserErrorException($"--count must be at least 1, got {n}.");
            var steps = NumberList("--step-list", pr.GetValue(stepList)!, 1, MaxSteps, whole: true).Select(v => (int)v).ToList();
            var cfgs = NumberList("--cfg-list", pr.GetValue(cfgList)!, 0, 100, whole: false).Select(v => (float)v).ToList();
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            var loaded = g.Load(pr);
            if (!loaded.Sampling.Generator.Stepwise)
                throw new UserErrorException($"a {loaded.Kind} generator has no sampling steps to sweep; bench sampling takes a masked model (resgen, maskgit). Compare models with: resgen bench models.");
            var (test, train) = data.ForClassifier(pr, pr.GetValue(classifier)!);
            var (clf, reference) = SampleQuality.LoadReference(pr.GetValue(classifier)!, test, loaded.Device, dataId: data.DataId(pr));
            var rows = new List<Dictionary<string, object>>();
            double? floor = null;
            Console.WriteLine($"{loaded.Kind}: {n} samples per class at each setting; base settings: {loaded.Settings}; device {loaded.Device}, {torch.get_num_threads()} threads");
            Console.WriteLine("steps  cfg   passes  accuracy      FD   ms/sample");
            var plot = new LinePlot($"{loaded.Kind}: quality vs sampling time", "ms per sample", "Fréchet distance (classifier features)");
            foreach (var w in cfgs)
            {
                var xs = new List<double>(); var ys = new List<double>();
                foreach (var t in steps)
                {
                    var s = loaded.Settings with { Steps = t, Guidance = w };
                    var m = ConsoleProgress.Run("sampling", n * loaded.Sampling.Classes, (p, _) =>
                        GeneratorEvaluation.Measure(loaded.Sampling, clf, reference, train, n, pr.GetValue(seed), s, loaded.BatchSize, p));
                    floor ??= m.Floor;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{t,5}  {w,4:0.##}  {m.Passes,6}  {m.Quality.ClassAccuracy * 100,7:0.0}%  {m.Quality.Fd,7:0.###}  {m.SecondsPerSample * 1000,9:0.0}"));
                    rows.Add(new() { ["steps"] = t, ["cfg"] = w, ["passes"] = m.Passes, ["class_accuracy"] = m.Quality.ClassAccuracy, ["fd"] = m.Quality.Fd, ["ms_per_sample"] = m.SecondsPerSample * 1000 });
                    xs.Add(m.SecondsPerSample * 1000); ys.Add(m.Quality.Fd);
                }
                plot.Add(w == 0 ? "unguided" : $"guidance {w:0.##}", xs, ys);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"real-data floor (FD of {n * test.ClassNames.Length} training images): {floor:0.###}"));
            plot.Save(Path.Combine(dir, "quality_vs_time.png"));
            Reports.WriteJson(Path.Combine(dir, "sampling.json"), new { settings = loaded.Settings.ToString(), samples_per_setting = n * test.ClassNames.Length, fd_real_floor = floor, rows });
            Console.WriteLine($"wrote {dir}/sampling.json and {dir}/quality_vs_time.png");
            return 0;
        });
        return cmd;
    }

    static Command Step()
    {
        var kind = new Option<string>("--model") { Description = "Generator kind.", DefaultValueFactory = _ => GeneratorKinds.ResGen.Name, HelpName = "KIND" };
        var config = CommonOptions.Config("generator");
        var set = CommonOptions.Set();
        var grid = new Option<int>("--grid") { Description = "Token grid side (the paper's 256 px images: 8).", DefaultValueFactory = _ => 8, HelpName = "N" };
        var depth = new Option<int>("--depth") { Description = "RVQ depth D.", DefaultValueFactory = _ => 16, HelpName = "D" };
        var codebook = new Option<int>("--codebook-size") { Description = "Codes per depth K.", DefaultValueFactory = _ => 16384, HelpName = "K" };
        var codeDim = new Option<int>("--code-dim") { Description = "Dimension of a code vector d_z.", DefaultValueFactory = _ => 256, HelpName = "N" };
        var batch = new Option<int>("--batch-size") { Description = "Token grids per step.", DefaultValueFactory = _ => 4, HelpName = "N" };
        var steps = new Option<int>("--steps") { Description = "Timed steps after one warm-up step (the median is reported).", DefaultValueFactory = _ => 3, HelpName = "N" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var precision = CommonOptions.Precision();
        var peak = new Option<double>("--peak-tflops") { Description = "The device's peak TFLOP/s, for the model-FLOPs utilisation of a ResGen step (H100/H200 SXM bf16 dense: about 989; 0 = not reported).", DefaultValueFactory = _ => 0, HelpName = "X" };
        var twin = new Option<string>("--twin") { Description = "The PyTorch twin script (bench/twin/resgen_twin.py) to time the same step beside this program's, for ResGen; 'none' (the default) times this program alone.", DefaultValueFactory = _ => "none", HelpName = "FILE" };
        var python = PyTorchTwin.PythonOption();
        var cmd = new Command("step", "Time of one training step (loss, backward, clipping, AdamW) of an untrained generator at a config, on random tokens of the given layout: what a recipe such as configs/imagenet256-*.json costs per step on this device (and, with --twin, in PyTorch on the same device).")
            { kind, config, set, grid, depth, codebook, codeDim, batch, steps, device, threads, precision, peak, twin, python };
        cmd.SetAction(pr =>
        {
            var dtype = CommonOptions.ParsePrecision(pr.GetValue(precision)!);
            var k = GeneratorKinds.Find(pr.GetValue(kind)!);
            var cfg = k.LoadConfig(pr.GetValue(config), pr.GetValue(set) ?? []);
            var layout = new Tokens.TokenLayout
            {
                GridHeight = pr.GetValue(grid),
                GridWidth = pr.GetValue(grid),
                Depth = pr.GetValue(depth),
                CodebookSize = pr.GetValue(codebook),
                CodeDim = pr.GetValue(codeDim),
            };
            layout.Validate();
            PyTorchTwin.CheckPeak(pr.GetValue(peak));
            string? twinPath = pr.GetValue(twin) is "none" ? null : Path.GetFullPath(pr.GetValue(twin)!);
            if (twinPath is not null && !File.Exists(twinPath)) throw new UserErrorException($"the twin script '{twinPath}' does not exist (or leave out --twin).");
            if (twinPath is not null && k != GeneratorKinds.ResGen) throw new UserErrorException($"the PyTorch twin covers ResGen only, not {k.Name}; leave out --twin.");
            if (twinPath is null && pr.GetResult(python) is { Implicit: false })
                throw new UserErrorException("--python runs the PyTorch twin, and without --twin none runs; give a --twin script or leave --python out.");
            if (pr.GetValue(batch) is < 1 or > Evaluation.PerfSettings.MaxBatch)
                throw new UserErrorException($"--batch-size must lie in 1..{Evaluation.PerfSettings.MaxBatch}, got {pr.GetValue(batch)}.");
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            int n = pr.GetValue(steps);
            var cost = ConsoleProgress.Run("training steps", n + 1, (p, _) => StepBenchmark.Run(k, cfg, layout, pr.GetValue(batch), n, dev, p, dtype));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{cost.Kind} ({(dtype == ScalarType.Float32 ? "fp32" : "bf16 compute, fp32 master weights")}): {cost.Parameters:N0} parameters; {layout.GridHeight}×{layout.GridWidth}×{layout.Depth} tokens, K = {layout.CodebookSize}, d_z = {layout.CodeDim}; batch {cost.Batch}; device {dev}, {torch.get_num_threads()} threads"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{cost.MsPerStep:0.0} ms per step (median of {n}: {string.Join(", ", cost.StepMs.Select(t => t.ToString("0.0", CultureInfo.InvariantCulture)))} ms); {cost.MsPerStep / cost.Batch:0.00} ms per token grid"));
            double tflops = cost.FlopsPerStep / (cost.MsPerStep / 1000) / 1e12;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{tflops:0.000} TFLOP/s (model FLOPs: {cost.FlopsPerStep / 1e9:0.00} G per step){PyTorchTwin.Mfu(tflops, pr.GetValue(peak))}"));
            if (twinPath is not null)
            {
                // the twin builds the same network from the resolved config (tokens included) and times the same step
                string resolved = Path.Combine(Path.GetTempPath(), $"resgen-step-{Environment.ProcessId}.json");
                try
                {
                    File.WriteAllText(resolved, Config.ConfigLoader.ToJson<object>(cfg.WithTokens(layout, cfg.TokenizerHash)));
                    var t = PyTorchTwin.Run(pr.GetValue(python)!, twinPath, ["step", "--config", resolved, "--train-batch", pr.GetValue(batch).ToString(CultureInfo.InvariantCulture),
                        "--train-steps", n.ToString(CultureInfo.InvariantCulture), .. PyTorchTwin.Common(dev, torch.get_num_threads(), dtype == ScalarType.BFloat16)]);
                    double theirs = t.GetProperty("train_step_ms").GetDouble();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"PyTorch {t.GetProperty("torch").GetString()} twin ({t.GetProperty("parameters").GetInt64():N0} parameters, {(dtype == ScalarType.BFloat16 ? "autocast bf16" : "fp32")}, {(dev.type == DeviceType.CUDA ? "fused" : "foreach")} AdamW): {theirs:0.0} ms per step; ratio {theirs / cost.MsPerStep:0.00}× (PyTorch / ResGen.NET: above 1 = ResGen.NET faster)"));
                }
                finally { File.Delete(resolved); }
            }
            return 0;
        });
        return cmd;
    }

    static Command Depth()
    {
        var kinds = new Option<string>("--models") { Description = "Generator kinds to time, comma-separated (each at the size of configs/KIND-small.json).", DefaultValueFactory = _ => string.Join(",", GeneratorKinds.Names), HelpName = "KINDS" };
        var depths = new Option<string>("--depths") { Description = "RVQ depths to compare, comma-separated.", DefaultValueFactory = _ => "4,8,16" };
        var count = new Option<int>("--count") { Description = "Samples per timed batch (besides batch 1).", DefaultValueFactory = _ => 64, HelpName = "N" };
        var steps = new Option<int>("--steps") { Description = "Sampling steps T of the masked models (the same at every depth).", DefaultValueFactory = _ => 16, HelpName = "T" };
        var cfg = new Option<float>("--cfg") { Description = "Guidance scale (2 network passes per call when > 0).", DefaultValueFactory = _ => 0.75f, HelpName = "W" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per depth and batch (the median is reported).", DefaultValueFactory = _ => 3, HelpName = "N" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var outDir = OutDir();
        var cmd = new Command("depth", "Sampling time of same-size networks of each kind at several RVQ depths: ResGen's passes and time should not grow with D, an RQ-Transformer's grow as L·D.")
            { kinds, depths, count, steps, cfg, repeats, device, threads, outDir };
        cmd.SetAction(pr =>
        {
            var ds = NumberList("--depths", pr.GetValue(depths)!, 1, 64, whole: true).Select(v => (int)v).ToList();
            if (pr.GetValue(steps) < 1) throw new UserErrorException($"--steps must be at least 1, got {pr.GetValue(steps)}.");
            int n = pr.GetValue(count);
            if (n < 1) throw new UserErrorException($"--count must be at least 1, got {n}.");
            int rep = pr.GetValue(repeats);
            if (rep < 1) throw new UserErrorException($"--repeats must be at least 1, got {rep}.");
            var chosen = ParseList(pr.GetValue(kinds)!, GeneratorKinds.Find);
            if (chosen.Count == 0) throw new UserErrorException("--models names no generator kind.");
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            Console.WriteLine($"untrained networks (time does not depend on the weights); {n} samples per batch; device {dev}, {torch.get_num_threads()} threads");
            Console.WriteLine("model            depth  tokens  steps  calls  passes  ms/sample b1  ms/sample b" + n + "  b1 vs first");
            var rows = new List<DepthRow>();
            var plot = new LinePlot("Sampling time vs RVQ depth (batch 1)", "depth D", "ms per sample", logY: true);
            foreach (var kind in chosen)
            {
                string file = ResGen.IO.InstallPaths.Shipped(Path.Combine("configs", $"{kind.Name}-small.json"));
                var config = kind.LoadConfig(File.Exists(file) ? file : null, []);
                var settings = config.Sample with { Steps = pr.GetValue(steps), Guidance = pr.GetValue(cfg) };
                settings.Validate();
                double? first = null;
                var kindRows = DepthBenchmark.Run(kind, config, ds, settings, n, rep, dev, new ConsoleProgress.SyncProgress<DepthRow>(r =>
                {
                    first ??= r.MsPerSampleBatch1;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Kind,-16} {r.Depth,5}  {r.Tokens,6}  {(r.Steps?.ToString(CultureInfo.InvariantCulture) ?? "-"),5}  {r.NetworkCalls,5}  {r.NetworkPasses,6}  {r.MsPerSampleBatch1,12:0.0}  {r.MsPerSampleBatchN,12:0.0}  {r.MsPerSampleBatch1 / first,10:0.00}×"));
                }));
                rows.AddRange(kindRows);
                plot.Add(kind.Name, kindRows.Select(r => (double)r.Depth).ToList(), kindRows.Select(r => r.MsPerSampleBatch1).ToList());
            }
            plot.Save(Path.Combine(dir, "time_vs_depth.png"));
            Reports.WriteJson(Path.Combine(dir, "depth.json"), new { steps = pr.GetValue(steps), guidance = pr.GetValue(cfg), batch = n, rows });
            Console.WriteLine($"wrote {dir}/depth.json and {dir}/time_vs_depth.png");
            return 0;
        });
        return cmd;
    }

    static Command Optimizer()
    {
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds (each: a few steps of each optimizer, alternating).", DefaultValueFactory = _ => 10, HelpName = "N" };
        var batch = new Option<int>("--batch-size") { Description = "Token grids per training step.", DefaultValueFactory = _ => 64, HelpName = "N" };
        var config = CommonOptions.Config("generator (network size)");
        var set = CommonOptions.Set();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var outDir = OutDir();
        var cmd = new Command("optimizer", "Training-step time of ResGen with the flat-buffer AdamW vs TorchSharp's stock AdamW, side by side in one run.")
            { rounds, batch, config, set, device, threads, outDir };
        cmd.SetAction(pr =>
        {
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            var run = Config.ConfigLoader.Load<ResGenRunConfig>(pr.GetValue(config), pr.GetValue(set) ?? []);
            int b = pr.GetValue(batch);
            var shape = run.Tokens;
            var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = shape.Depth, CodebookSize = shape.CodebookSize, CodeDim = shape.CodeDim });
            rvq.eval();
            rvq.to(dev);
            torch.manual_seed(0);
            var flatNet = new ResGenNetwork(run.Model, shape);
            var stockNet = new ResGenNetwork(run.Model, shape);
            stockNet.load_state_dict(flatNet.state_dict());
            flatNet.to(dev); stockNet.to(dev);
            var flatModel = new ResGenModel(flatNet, rvq);
            var stockModel = new ResGenModel(stockNet, rvq);
            using var flat = new Training.FlatAdamW(flatNet, new Training.FlatAdamWOptions { LearningRate = 1e-3, WeightDecay = 0.01 });
            var stock = torch.optim.AdamW(stockNet.parameters(), 1e-3, weight_decay: 0.01);
            var g = new Generator(1, dev);
            var idx = RandomDraw.RandInt(0, shape.CodebookSize, [b, shape.Positions, shape.Depth], g, dev);
            var labels = RandomDraw.RandInt(0, run.Model.Classes, [b], g, dev);
            double Step(Action a)
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < 3; i++) { using var scope = torch.NewDisposeScope(); a(); }
                if (dev.type == DeviceType.CUDA) torch.cuda.synchronize();
                return sw.Elapsed.TotalMilliseconds / 3;
            }
            var f = new List<double>(); var s = new List<double>();
            for (int r = 0; r <= pr.GetValue(rounds); r++)
            {
                double tf = Step(() => { flat.ZeroGrad(); flatModel.Loss(new TokenBatch(idx), new ClassCondition(labels), new Generator(7, dev)).Loss.backward(); flat.ClipGradNorm(1.0); flat.Step(); });
                double ts = Step(() => { stock.zero_grad(); stockModel.Loss(new TokenBatch(idx), new ClassCondition(labels), new Generator(7, dev)).Loss.backward(); torch.nn.utils.clip_grad_norm_(stockNet.parameters(), 1.0); stock.step(); });
                if (r > 0) { f.Add(tf); s.Add(ts); }   // the first round warms up
            }
            var ratios = s.Zip(f, (a, c) => a / c).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ResGen width {run.Model.Width}, {run.Model.Layers} layers, {flat.Parameters.Slots.Count} parameter tensors; batch {b}; device {dev}, {torch.get_num_threads()} threads; {f.Count} rounds of 3 steps"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"training step: flat AdamW {GeneratorEvaluation.Median(f):0.0} ms, stock AdamW {GeneratorEvaluation.Median(s):0.0} ms, stock/flat {GeneratorEvaluation.Median(ratios):0.00}× (median of per-round ratios)"));
            Reports.WriteJson(Path.Combine(dir, "optimizer.json"), new { batch = b, flat_ms = GeneratorEvaluation.Median(f), stock_ms = GeneratorEvaluation.Median(s), ratio = GeneratorEvaluation.Median(ratios) });
            return 0;
        });
        return cmd;
    }

    /// <summary>Sampling steps a list option may ask for (as many as <see cref="Generation.SamplerSettings"/> allows).</summary>
    const int MaxSteps = 100_000;

    /// <summary>
    /// The numbers of a comma-separated list option, each finite and in [<paramref name="min"/>, <paramref name="max"/>]
    /// (and <paramref name="whole"/> where counts are meant); an empty list, a word or a number outside is one sentence naming <paramref name="option"/>.
    /// </summary>
    static List<double> NumberList(string option, string text, double min, double max, bool whole)
    {
        string what = whole ? $"whole numbers from {min} to {max}" : $"numbers from {min} to {max}";
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new List<double>();
        foreach (var item in items)
        {
            if (!double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= min && v <= max) || (whole && v != Math.Floor(v)))
                throw new UserErrorException($"{option} takes {what} separated by commas, got '{text}'.");
            values.Add(v);
        }
        if (values.Count == 0) throw new UserErrorException($"{option} takes {what} separated by commas, got '{text}' (no number).");
        return values;
    }

    static List<T> ParseList<T>(string text, Func<string, T> parse)
    {
        try { return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).ToList(); }
        catch (Exception e) when (e is FormatException or OverflowException) { throw new UserErrorException($"cannot read the list '{text}'; write numbers separated by commas, like 4,8,16."); }
    }
}
