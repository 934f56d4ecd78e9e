using System.CommandLine;
using System.Globalization;
using System.Text;
using ResGen.Config;
using ResGen.Data;
using ResGen.Evaluation;
using TorchSharp;

namespace ResGen.Cli.Commands;

/// <summary>`resgen classifier train|eval`: the Fashion-MNIST classifier behind class accuracy and FD.</summary>
public static class ClassifierCommands
{
    public const string DefaultCheckpoint = ClassifierCheckpoint.DefaultPath;

    public static Command Create()
    {
        var cmd = new Command("classifier", "Train and evaluate the Fashion-MNIST classifier that measures samples (class accuracy, FD in its feature space).");
        cmd.Subcommands.Add(Train());
        cmd.Subcommands.Add(Eval());
        return cmd;
    }

    static Command Train()
    {
        var config = CommonOptions.Config("classifier");
        var set = CommonOptions.Set();
        var data = new DataOptions();
        var output = new Option<string>("--out") { Description = "Run folder: checkpoints (last.*, model.*), metrics.jsonl, loss plot.", DefaultValueFactory = _ => "runs/classifier", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N images of the training split.", HelpName = "N" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("train", "Train the evaluation classifier on Fashion-MNIST or an image folder (--set model.classes, model.image_size and model.channels to match it; progress bar and one parsable log line per interval; test accuracy at each evaluation).")
            { config, set, output, resume, limit, device, threads };
        data.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string outDir = ResGen.IO.OutputFolder.Prepare(pr.GetValue(output)!);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            bool isResume = pr.GetValue(resume);
            var cfg = CommonOptions.LoadRunConfig<ClassifierConfig>(pr.GetValue(config), pr.GetValue(set) ?? [], isResume ? Path.Combine(outDir, "last") : null, ClassifierTraining.Kind);
            var train = data.LoadTraining(pr, pr.GetValue(limit), cfg.Model.ImageSize, cfg.Model.Channels);
            var test = data.Load(pr, "test", null, cfg.Model.ImageSize, cfg.Model.Channels);
            torch.manual_seed(cfg.Train.Seed);
            var clf = cfg.Build();
            clf.to(dev);
            Console.WriteLine($"classifier: {Describe(cfg)}; {Nn.ModuleSize.Parameters(clf):N0} parameters; {train.Count} training images; device {dev}");
            var eval = ConsoleProgress.RunTraining("classifier", cfg.Train.Steps, (progress, log) =>
                ClassifierTraining.Run(cfg, clf, train, test, outDir, isResume, dev, log, progress, stop: GracefulStop.Token));
            Reports.FinishTraining(outDir, eval, "classifier training", ["loss"], "cross-entropy", logY: true);
            return 0;
        });
        return cmd;
    }

    static Command Eval()
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = $"Classifier checkpoint (NAME, NAME.safetensors or NAME.json; default: {DefaultCheckpoint}, the shipped one).",
            DefaultValueFactory = _ => ResGen.IO.InstallPaths.Shipped(DefaultCheckpoint),
            HelpName = "PATH",
        };
        var data = new DataOptions();
        var floors = new Option<int[]>("--floor-images")
        {
            Description = "Sizes N of the real-data FD floors: FD of N random training images against the test split (repeatable).",
            DefaultValueFactory = _ => [1000, 10000],
            HelpName = "N",
        };
        var seed = new Option<long?>("--seed") { Description = "Seed choosing the random training images behind the FD floors (default: 0).", HelpName = "N" };
        var outDir = new Option<string>("--out-dir") { Description = "Where the report (JSON) goes.", DefaultValueFactory = _ => "runs/classifier-eval", HelpName = "DIR" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("eval", "Test accuracy, per-class accuracy and confusion matrix of the classifier, and the real-data FD floors (the FD a perfect generator would score at N samples).")
            { checkpoint, floors, seed, outDir, device, threads };
        data.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string dir = ResGen.IO.OutputFolder.Prepare(pr.GetValue(outDir)!);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            string ckpt = pr.GetValue(checkpoint)!;
            var (clf, cfg, hash) = ClassifierCheckpoint.Load(ckpt, dev);
            var (test, train) = data.ForClassifier(pr, ckpt);
            var sizes = pr.GetValue(floors) ?? [];
            long floorSeed = pr.GetValue(seed) ?? 0;
            foreach (var n in sizes)
                if (n < 2 || n > train.Count) throw new UserErrorException($"--floor-images must be between 2 and {train.Count} (the training split), got {n}.");

            var report = ConsoleProgress.Run("classifying the test split", 1.0, (p, _) => ClassifierEvaluation.Run(clf, test, device: dev, progress: p));
            string statsPath = ClassifierCheckpoint.TestStatsPath(ckpt);
            string fingerprint = ClassifierCheckpoint.Fingerprint(ckpt);
            var reference = ConsoleProgress.Run("test-split features", 1.0, (p, _) =>
                SampleQuality.TestStats(clf, test, fingerprint, statsPath, dev, p, data.DataId(pr)));
            var floorValues = new List<(int N, double Fd)>();
            foreach (var n in sizes)
            {
                double fd = ConsoleProgress.Run($"FD floor, {n} train images", 1.0, (p, _) => SampleQuality.RealDataFloor(clf, train, n, reference, floorSeed, dev, p));
                floorValues.Add((n, fd));
            }

            Console.WriteLine($"classifier {ckpt} ({Describe(cfg)}, config {hash}) on {report.Images} test images");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy {report.Accuracy * 100:0.00}%"));
            Console.Write(FormatReport(report));
            Console.WriteLine($"real-data FD floor (N random training images vs the {reference.Count} test images, {reference.Dim}-d classifier features; seed {floorSeed}):");
            foreach (var (n, fd) in floorValues) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  N = {n,6}   FD {fd:0.0000}"));
            Console.WriteLine($"test-split feature statistics: {statsPath}");

            var json = new
            {
                checkpoint = ckpt,
                config_hash = hash,
                fingerprint,
                images = report.Images,
                accuracy = report.Accuracy,
                per_class = report.PerClass,
                confusion = report.Confusion,
                fd_floor = floorValues.Select(f => new { n = f.N, fd = f.Fd, seed = floorSeed }).ToList(),
            };
            Reports.WriteJson(Path.Combine(dir, "report.json"), json);
            Console.WriteLine($"wrote {dir}/report.json");
            return 0;
        });
        return cmd;
    }

    /// <summary>Per-class accuracy and the confusion matrix (rows: true class, columns: predicted) as aligned text.</summary>
    public static string FormatReport(ClassificationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        int nameWidth = Math.Max(5, report.PerClass.Max(p => p.Name.Length));
        sb.AppendLine("class".PadRight(nameWidth + 5) + "images   accuracy");
        foreach (var p in report.PerClass)
            sb.AppendLine(string.Create(c, $"{p.Label,2}  {p.Name.PadRight(nameWidth)} {p.Count,7}   {p.Accuracy * 100,7:0.00}%"));
        sb.AppendLine("confusion matrix (rows: true class, columns: predicted class):");
        int k = report.Confusion.Length;
        int width = Math.Max(4, report.Confusion.SelectMany(r => r).DefaultIfEmpty(0).Max().ToString(c).Length + 1);
        sb.Append(new string(' ', nameWidth + 4));
        for (int j = 0; j < k; j++) sb.Append(j.ToString(c).PadLeft(width));
        sb.AppendLine();
        for (int i = 0; i < k; i++)
        {
            sb.Append(string.Create(c, $"{i,2}  {report.PerClass[i].Name.PadRight(nameWidth)}"));
            for (int j = 0; j < k; j++) sb.Append(report.Confusion[i][j].ToString(c).PadLeft(width));
            sb.AppendLine();
        }
        return sb.ToString();
    }


    internal static string Describe(ClassifierConfig c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Model.ImageSize}px ×{c.Model.Channels}, conv [{string.Join(", ", c.Model.HiddenChannels)}]×{c.Model.ConvsPerStage}, pooled {c.Model.PooledSize}×{c.Model.PooledSize}, {c.Model.FeatureDim}-d features, {c.Model.Classes} classes");
}
