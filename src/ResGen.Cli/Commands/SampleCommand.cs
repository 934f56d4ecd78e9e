using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ResGen.Data;
using ResGen.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Cli.Commands;

/// <summary>`resgen sample`: class-conditional samples as PNG files and a labelled grid.</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var g = new GeneratorOptions();
        var cls = new Option<string>("--class") { Description = "Class to sample: a name (e.g. sneaker, \"ankle boot\"), an index 0-9, a comma-separated list, or all.", DefaultValueFactory = _ => "all", HelpName = "CLASS" };
        var count = new Option<int>("--count") { Description = "Samples per class.", DefaultValueFactory = _ => 8, HelpName = "N" };
        var seed = new Option<long>("--seed") { Description = "Seed of the sampler's generator (same seed, same samples).", DefaultValueFactory = _ => 0, HelpName = "N" };
        var outDir = new Option<string>("--out-dir") { Description = "Folder for c<class>_<nnnn>.png files and grid.png.", DefaultValueFactory = _ => "samples", HelpName = "DIR" };
        var dump = new Option<bool>("--dump-steps") { Description = "Also write steps.png: the visible tokens of the first samples after every step." };
        var cmd = new Command("sample", "Sample images of the given classes from a trained ResGen model.") { cls, count, seed, outDir, dump };
        g.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(count);
            if (n < 1) throw new UserErrorException($"--count must be at least 1, got {n}.");
            var classes = GeneratorOptions.ParseClasses(pr.GetValue(cls), FashionMnist.ClassCount);
            var loaded = g.Load(pr);
            var labels = classes.SelectMany(c => Enumerable.Repeat((long)c, n)).ToArray();
            Console.WriteLine($"sampler: {loaded.Settings}; seed {pr.GetValue(seed)}; {labels.Length} samples on {loaded.Device}");
            var sw = Stopwatch.StartNew();
            var (images, passes) = ConsoleProgress.Run("sampling", labels.Length, (p, _) => loaded.Generate(labels, pr.GetValue(seed), p));
            double seconds = sw.Elapsed.TotalSeconds;
            string dir = pr.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var perClass = new Dictionary<long, int>();
            for (int i = 0; i < labels.Length; i++)
            {
                int k = perClass[labels[i]] = perClass.GetValueOrDefault(labels[i]) + 1;
                ImageGrid.SavePng(images[i], Path.Combine(dir, $"c{labels[i]}_{k - 1:D4}.png"), scale: 1);
            }
            var rowLabels = classes.Select(c => FashionMnist.ClassNames[c]).ToList();
            ImageGrid.Save(images, Path.Combine(dir, "grid.png"), columns: n, scale: 3, rowLabels: rowLabels);
            if (pr.GetValue(dump)) WriteSteps(loaded, labels, pr.GetValue(seed), Path.Combine(dir, "steps.png"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{labels.Length} samples in {seconds:0.00} s ({seconds * 1000 / labels.Length:0.0} ms per sample; {passes} network passes each, {loaded.Settings.Steps} steps); wrote {dir}/grid.png and {labels.Length} PNG files"));
            return 0;
        });
        return cmd;
    }

    /// <summary>Rows: the first samples; columns: the image decoded from the visible tokens after each step.</summary>
    static void WriteSteps(GeneratorOptions.Loaded g, long[] labels, long seed, string path)
    {
        using var scope = torch.NewDisposeScope();
        int rows = Math.Min(8, labels.Length);
        var idx = Enumerable.Range(0, rows).Select(i => labels[i * labels.Length / rows]).ToArray();
        var r = g.Model.Sample(g.Settings, torch.tensor(idx, device: g.Device), new Generator((ulong)seed, g.Device), keepSteps: true);
        var frames = new List<Tensor>();
        foreach (var step in r.Steps)
            frames.Add(g.Tokenizer.DecodeLatent(g.Tokenizer.Quantizer.EmbedPrefix(step.Indices, step.Visible)).clamp(-1, 1).cpu());
        // [T, rows, C, H, W] → row-major grid: one row per sample, one column per step
        var grid = torch.stack(frames, 1).flatten(0, 1);
        ImageGrid.Save(grid, path, columns: r.Steps.Count, scale: 3,
            rowLabels: idx.Select(c => FashionMnist.ClassNames[(int)c]).ToList(),
            columnLabels: r.Steps.Select(s => $"t={s.Step}").ToList());
    }
}
