using System.Text.Json;
using ResGen.Cli;
using ResGen.Tests.Data;

namespace ResGen.Tests.Cli;

/// <summary>
/// The whole pipeline through the `resgen` verbs on tiny configs and a few hundred real images:
/// tokenizer train → eval → encode → train → sample → eval, plus the one-sentence errors.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class EndToEndTests
{
    static string RepoRoot() => Repo.Root();

    static (int Code, string Out, string Err) Run(params string[] args) => Repo.Resgen(args);

    static void Ok((int Code, string Out, string Err) r)
        => Assert.True(r.Code == 0, $"exit {r.Code}\nstdout: {r.Out}\nstderr: {r.Err}");

    [FashionMnistInstalledFact]
    public void ThePipelineRunsEndToEndOnTinyConfigs()
    {
        var root = RepoRoot();
        using var dir = new TempDirectory();
        string tok = dir.File("tok"), gen = dir.File("gen");
        Ok(Run("tokenizer", "train", "--config", Path.Combine(root, "configs/tokenizer-tiny.json"), "--limit", "512", "--out", tok, "--threads", "2"));
        Ok(Run("tokenizer", "eval", "--checkpoint", Path.Combine(tok, "model"), "--limit", "200", "--out-dir", dir.File("tok-eval")));
        using (var report = JsonDocument.Parse(File.ReadAllText(dir.File("tok-eval/report.json"))))
        {
            var psnr = report.RootElement.GetProperty("depths").EnumerateArray().Select(d => d.GetProperty("psnr").GetDouble()).ToList();
            Assert.Equal(4, psnr.Count);
        }
        Assert.True(File.Exists(dir.File("tok-eval/reconstructions.png")));
        Ok(Run("tokenizer", "encode", "--checkpoint", Path.Combine(tok, "model"), "--limit", "512", "--out", dir.File("train.safetensors")));
        Ok(Run("tokenizer", "encode", "--checkpoint", Path.Combine(tok, "model"), "--split", "test", "--limit", "100", "--out", dir.File("test.safetensors")));
        Ok(Run("train", "--tokens", dir.File("train.safetensors"), "--val-tokens", dir.File("test.safetensors"), "--tokenizer", Path.Combine(tok, "model"),
               "--config", Path.Combine(root, "configs/resgen-tiny.json"), "--out", gen));
        Assert.True(File.Exists(Path.Combine(gen, "loss.png")));

        var sample = Run("sample", "--checkpoint", Path.Combine(gen, "model"), "--tokenizer", Path.Combine(tok, "model"),
                         "--class", "sneaker", "--count", "3", "--out-dir", dir.File("samples"), "--dump-steps");
        Ok(sample);
        Assert.Contains("steps=4", sample.Out);
        foreach (var i in new[] { 0, 1, 2 }) Assert.True(File.Exists(dir.File($"samples/c7_{i:D4}.png")));
        Assert.True(File.Exists(dir.File("samples/grid.png")));
        Assert.True(File.Exists(dir.File("samples/steps.png")));

        var eval = Run("eval", "--checkpoint", Path.Combine(gen, "model"), "--tokenizer", Path.Combine(tok, "model"),
                       "--classifier", Path.Combine(root, "models/classifier"), "--count", "2", "--no-timing", "--out-dir", dir.File("eval"));
        Ok(eval);
        Assert.Contains("class accuracy", eval.Out);

        // the counterparts through the same verbs, then the benchmark that compares them
        var models = new List<string> { Path.Combine(gen, "model") };
        foreach (var kind in new[] { "maskgit", "rq-transformer", "ar-resgen" })
        {
            string run = dir.File(kind);
            Ok(Run("train", "--model", kind, "--tokens", dir.File("train.safetensors"), "--val-tokens", dir.File("test.safetensors"), "--tokenizer", Path.Combine(tok, "model"),
                   "--config", Path.Combine(root, $"configs/{kind}-tiny.json"), "--set", "train.steps=10", "--out", run));
            Ok(Run("sample", "--checkpoint", Path.Combine(run, "model"), "--tokenizer", Path.Combine(tok, "model"), "--class", "bag", "--count", "2", "--out-dir", dir.File($"s-{kind}")));
            Assert.True(File.Exists(dir.File($"s-{kind}/c8_0001.png")));
            models.Add(Path.Combine(run, "model"));
        }
        var wrongModel = Run("train", "--model", "resgen", "--tokens", dir.File("train.safetensors"), "--tokenizer", Path.Combine(tok, "model"), "--out", dir.File("rq-transformer"), "--resume");
        Assert.Equal(CliApp.UserError, wrongModel.Code);
        Assert.Contains("rq-transformer", wrongModel.Err);
        var bench = Run("bench", "models", "--models", string.Join(",", models), "--tokenizers", Path.Combine(tok, "model"),
                        "--classifier", Path.Combine(root, "models/classifier"), "--count", "2", "--step-list", "2,4", "--repeats", "1",
                        "--batch-size", "8", "--memory-budget", "0", "--out-dir", dir.File("bench"));
        Ok(bench);
        using (var report = JsonDocument.Parse(File.ReadAllText(dir.File("bench/models.json"))))
        {
            var rows = report.RootElement.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(2 + 2 + 1 + 1, rows.Count);                       // masked models: one row per step count
            // every column of the README's table has its field
            foreach (var field in new[] { "model", "depth", "parameters", "steps", "network_calls", "network_passes", "class_accuracy", "fd", "fd_real_floor",
                                          "fd_reconstruction", "ms_per_sample_batch1", "ms_per_sample_batch_n", "batch_n", "largest_batch_in_budget", "samples" })
                Assert.All(rows, r => Assert.True(r.TryGetProperty(field, out _), $"models.json rows lack '{field}'"));
            var rq = rows.Single(r => r.GetProperty("kind").GetString() == "rq-transformer");
            Assert.Equal(49 * 4, rq.GetProperty("network_calls").GetInt32());   // L·D sequential predictions on the 7×7×4 tiny tokens
            Assert.Contains(report.RootElement.GetProperty("comparisons").EnumerateArray(), c => c.GetProperty("measure").GetString() == "speedup_batch_1");
        }
        Assert.True(File.Exists(dir.File("bench/models.md")));
        Assert.True(File.Exists(dir.File("bench/models_quality_vs_time.png")));

        // mistakes a user can make: one sentence, exit code 2, no stack trace
        var badClass = Run("sample", "--checkpoint", Path.Combine(gen, "model"), "--tokenizer", Path.Combine(tok, "model"), "--class", "umbrella");
        Assert.Equal(CliApp.UserError, badClass.Code);
        Assert.Contains("umbrella", badClass.Err);
        Assert.DoesNotContain("   at ", badClass.Err);

        var wrongKind = Run("sample", "--checkpoint", Path.Combine(tok, "model"), "--tokenizer", Path.Combine(tok, "model"));
        Assert.Equal(CliApp.UserError, wrongKind.Code);
        Assert.Contains("tokenizer", wrongKind.Err);

        File.WriteAllText(Path.Combine(gen, "model.safetensors"), "not a checkpoint");
        var corrupt = Run("sample", "--checkpoint", Path.Combine(gen, "model"), "--tokenizer", Path.Combine(tok, "model"));
        Assert.Equal(CliApp.UserError, corrupt.Code);
        Assert.DoesNotContain("   at ", corrupt.Err);
    }

    [Fact]
    public void TheShippedClipArtModelsSampleColourPicturesOfNamedClasses()
    {
        var root = RepoRoot();
        using var dir = new TempDirectory();
        var sample = Run("sample", "--checkpoint", Path.Combine(root, "models/clipart/resgen"), "--tokenizer", Path.Combine(root, "models/clipart/tokenizer"),
                         "--class", "animals,transportation", "--count", "2", "--out-dir", dir.File("samples"), "--threads", "2");
        Ok(sample);
        foreach (var name in new[] { "c0_0000.png", "c0_0001.png", "c7_0000.png", "c7_0001.png" })
        {
            using var picture = SkiaSharp.SKBitmap.Decode(dir.File($"samples/{name}"));
            Assert.NotNull(picture);
            Assert.Equal((32, 32), (picture.Width, picture.Height));
            // colour: some pixel's channels differ (a grey model would write equal ones)
            Assert.Contains(picture.Pixels, c => c.Red != c.Green || c.Green != c.Blue);
        }
        Assert.True(File.Exists(dir.File("samples/grid.png")));
        var wrongClass = Run("sample", "--checkpoint", Path.Combine(root, "models/clipart/resgen"), "--tokenizer", Path.Combine(root, "models/clipart/tokenizer"),
                             "--class", "sneaker", "--out-dir", dir.File("none"));
        Assert.Equal(CliApp.UserError, wrongClass.Code);
        Assert.Contains("animals", wrongClass.Err);
    }

    [Fact]
    public void BadOptionsAndMissingFilesAreOneSentence()
    {
        var unknownKey = Run("tokenizer", "train", "--set", "model.colour=3");
        Assert.Equal(CliApp.UserError, unknownKey.Code);
        Assert.Contains("model.colour", unknownKey.Err);

        var missing = Run("tokenizer", "train", "--data", "/nonexistent-folder");
        Assert.Equal(CliApp.UserError, missing.Code);
        Assert.Contains("apt-get install dataset-fashion-mnist", missing.Err);

        var noCheckpoint = Run("sample", "--checkpoint", "/nonexistent/model", "--tokenizer", "/nonexistent/tok");
        Assert.Equal(CliApp.UserError, noCheckpoint.Code);
        Assert.Contains("does not exist", noCheckpoint.Err);

        using (var dir = new TempDirectory())
        {
            // an output location that cannot be written is refused before any work
            string aFile = dir.File("not-a-folder");
            File.WriteAllText(aFile, "");
            foreach (var args in new[] { new[] { "sample", "--out-dir", aFile }, ["bench", "depth", "--out-dir", aFile], ["train", "--out", aFile] })
            {
                var unwritable = Run(args);
                Assert.Equal(CliApp.UserError, unwritable.Code);
                Assert.Contains("cannot write output", unwritable.Err);
            }
        }

        var badDevice = Run("tokenizer", "eval", "--device", "tpu");
        Assert.Equal(CliApp.UserError, badDevice.Code);

        Assert.NotEqual(0, Run("sample", "--count", "many").Code);
        Assert.Equal(0, Run("--help").Code);

        var doctor = Run("doctor");
        Assert.Equal(0, doctor.Code);
        Assert.Contains("libtorch", doctor.Out);
        Assert.Contains("tensor check", doctor.Out);
    }
}
