using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ResGen.Data;
using ResGen.Generation;
using ResGen.Imaging;
using ResGen.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>`resgen sample`: class-conditional samples as PNG files (written batch by batch) and a labelled grid.</summary>
public static class SampleCommand
{
    /// <summary>Samples per class shown in grid.png (all PNG files are written whatever the count).</summary>
    const int GridColumns = 16;

    public static Command Create()
    {
        var g = new GeneratorOptions();
        var cls = new Option<string>("--class") { Description = "Class to sample: a name (Fashion-MNIST: e.g. sneaker, \"ankle boot\"; an image folder: its folder names), an index, a comma-separated list, or all.", DefaultValueFactory = _ => "all", HelpName = "CLASS" };
        var count = new Option<int>("--count") { Description = "Samples per class.", DefaultValueFactory = _ => 8, HelpName = "N" };
        var seed = new Option<long>("--seed") { Description = "Seed of the sampler's generator (same seed, same samples).", DefaultValueFactory = _ => 0, HelpName = "N" };
        var outDir = new Option<string>("--out-dir") { Description = "Folder for c<class>_<nnnn>.png files and grid.png.", DefaultValueFactory = _ => "samples", HelpName = "DIR" };
        var dump = new Option<bool>("--dump-steps") { Description = "Also write steps.png: the visible tokens of the first samples after every step (masked models)." };
        var cmd = new Command("sample", "Sample images of the given classes from a trained generator (ResGen or a counterpart).") { cls, count, seed, outDir, dump };
        g.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(count);
            if (n < 1) throw new UserErrorException($"--count must be at least 1, got {n}.");
            var names = GeneratorOptions.ClassNamesOf(g.ReadConfig(pr));
            var classes = GeneratorOptions.ParseClasses(pr.GetValue(cls), names);
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            AtomicFile.RemoveStale(dir);               // what a killed earlier run may have left
            var labels = new ClassLabels(classes, n);
            CheckDiskSpace(dir, labels.Count);
            var loaded = g.Load(pr);
            if (pr.GetValue(dump) && !loaded.Sampling.Generator.Stepwise)
                throw new UserErrorException($"a {loaded.Kind} generator samples position by position, without steps to draw; --dump-steps needs a masked model (resgen, maskgit).");
            Console.WriteLine($"{loaded.Kind} sampler: {loaded.Settings}; seed {pr.GetValue(seed)}; {labels.Count} samples on {loaded.Device}");
            var sw = Stopwatch.StartNew();
            int cols = Math.Min(n, GridColumns);
            var gridImages = new Tensor?[classes.Length * cols];
            var perClass = new Dictionary<long, int>();
            var stop = GracefulStop.Token;
            int done = 0;
            int passes = ConsoleProgress.Run("sampling", labels.Count, (p, _) =>
            {
                int last = 0;
                foreach (var batch in loaded.Sampling.Generate(labels, loaded.Settings, pr.GetValue(seed), loaded.BatchSize))
                {
                    using (batch)
                    {
                        var paths = new string[batch.Labels.Length];
                        for (int i = 0; i < batch.Labels.Length; i++)
                        {
                            long y = batch.Labels[i];
                            int k = perClass[y] = perClass.GetValueOrDefault(y) + 1;
                            paths[i] = Path.Combine(dir, $"c{y}_{k - 1:D4}.png");
                            if (k <= cols) gridImages[Array.IndexOf(classes, (int)y) * cols + k - 1] = batch.Images[i].clone();
                        }
                        ImageGrid.SavePngs(batch.Images, paths);   // encoded and written in parallel
                        last = batch.NetworkPasses;
                    }
                    done = batch.Start + batch.Labels.Length;
                    p.Report(done);
                    if (stop.IsCancellationRequested) break;   // Ctrl-C: the batch in hand is written, then stop
                }
                return last;
            });
            double seconds = sw.Elapsed.TotalSeconds;
            if (done < labels.Count)
            {
                foreach (var t in gridImages) t?.Dispose();
                Console.Error.WriteLine($"stopped after {done} of {labels.Count} samples (each PNG written is complete; no grid.png); the same command makes them all again (same seed, same images).");
                return 130;
            }
            var rowLabels = classes.Select(c => names[c]).ToList();
            using (var grid = torch.stack(gridImages.Select(t => t!).ToArray()))
                ImageGrid.Save(grid, Path.Combine(dir, "grid.png"), columns: cols, scale: 3, rowLabels: rowLabels);
            foreach (var t in gridImages) t?.Dispose();
            if (pr.GetValue(dump)) WriteSteps(loaded, labels, names, pr.GetValue(seed), Path.Combine(dir, "steps.png"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{labels.Count} samples in {seconds:0.00} s ({seconds * 1000 / labels.Count:0.0} ms per sample; {passes} network passes each); wrote {dir}/grid.png and {labels.Count} PNG files"));
            return 0;
        });
        return cmd;
    }

    /// <summary>Refuses a run whose PNG files would not fit on the disk (about 1 KiB each, measured on the shipped models).</summary>
    static void CheckDiskSpace(string dir, long count)
    {
        const long BytesPerPng = 1024;
        long free;
        try { free = new DriveInfo(Path.GetFullPath(dir)).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return; }
        if (count * BytesPerPng > free)
            throw new UserErrorException(string.Create(CultureInfo.InvariantCulture,
                $"{count:N0} PNG files need about {count * BytesPerPng / 1e9:0.#} GB but {dir} has {free / 1e9:0.#} GB free; ask for fewer samples."));
    }

    /// <summary>Rows: the first samples; columns: the image decoded from the visible tokens after each step.</summary>
    static void WriteSteps(GeneratorOptions.Loaded g, IReadOnlyList<long> labels, IReadOnlyList<string> names, long seed, string path)
    {
        int rows = Math.Min(8, labels.Count);
        var idx = Enumerable.Range(0, rows).Select(i => labels[(int)((long)i * labels.Count / rows)]).ToArray();
        var (frames, steps) = g.Sampling.StepFrames(idx, g.Settings, seed);
        using (frames)
        {
            // [T, rows, C, H, W] → row-major grid: one row per sample, one column per step
            using var grid = frames.transpose(0, 1).flatten(0, 1);
            ImageGrid.Save(grid, path, columns: steps.Count, scale: 3,
                rowLabels: idx.Select(c => names[(int)c]).ToList(),
                columnLabels: steps.Select(s => $"t={s}").ToList());
        }
    }
}
