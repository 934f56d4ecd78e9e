using System.Buffers.Binary;
using ResGen.Cli;

namespace ResGen.Tests.Cli;

/// <summary>
/// The bad inputs users have tried, kept as tests: each must end in one sentence on stderr and exit
/// code 2, never a stack trace, and must not leave output behind.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class BadInputTests
{
    static string RepoRoot() => Repo.Root();

    static (int Code, string Out, string Err) Run(params string[] args) => Repo.Resgen(args);

    static string Shipped(string name) => Path.Combine(RepoRoot(), "models", name);

    /// <summary>Exit 2, one line starting with "error:" that mentions <paramref name="mentions"/>, no trace.</summary>
    static void OneSentence(string mentions, params string[] args)
    {
        var (code, _, err) = Run(args);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == CliApp.UserError, $"resgen {string.Join(' ', args)}: exit {code}\n{err}");
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal), $"resgen {string.Join(' ', args)}: not one sentence:\n{err}");
        Assert.Contains(mentions, lines[0], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("--count", "sample", "--count", "abc")]
    [InlineData("--count", "sample", "--count", "1", "--count", "2")]
    [InlineData("--nonsense", "sample", "--nonsense")]
    [InlineData("nosuchverb", "bench", "nosuchverb")]
    [InlineData("--class", "sample", "--class", "")]
    [InlineData("--class", "sample", "--class", ",")]
    [InlineData("umbrella", "sample", "--class", "umbrella")]
    [InlineData("--threads", "sample", "--threads", "100000")]
    [InlineData("--threads", "sample", "--threads", "0")]
    [InlineData("--count", "sample", "--count", "0")]
    [InlineData("more than one run", "sample", "--count", "2000000000")]
    [InlineData("--batch-size", "sample", "--batch-size", "-1")]
    [InlineData("guidance", "sample", "--cfg", "Infinity", "--count", "1")]
    [InlineData("guidance", "sample", "--cfg", "NaN", "--count", "1")]
    [InlineData("draw scale", "sample", "--draw-scale", "Infinity", "--count", "1")]
    [InlineData("top", "sample", "--top-p", "2", "--count", "1")]
    [InlineData("temperature", "sample", "--temperature", "-1", "--count", "1")]
    [InlineData("tokens", "train", "--set", "tokens.depth=16")]
    [InlineData("tokenizer_hash", "train", "--set", "tokenizer_hash=abc")]
    [InlineData("train.lr", "train", "--set", "train.lr=abc")]
    [InlineData("cannot write", "sample", "--out-dir", "/proc/x", "--count", "1")]
    [InlineData("cannot write", "eval", "--out-dir", "/proc/x", "--count", "1")]
    [InlineData("cannot write", "train", "--out", "/proc/x")]
    [InlineData("--list", "data", "inspect", "/nonexistent", "--list", "-1")]
    [InlineData("--decode", "data", "inspect", "/nonexistent", "--decode", "0")]
    [InlineData("--threads", "data", "inspect", "/nonexistent", "--threads", "0")]
    [InlineData("does not exist", "data", "inspect", "/nonexistent")]
    [InlineData("--per-speaker", "data", "speech", "--out", "{OUT}", "--per-speaker", "0")]
    [InlineData("--speakers-train", "data", "speech", "--out", "{OUT}", "--speakers-train", "0")]
    [InlineData("--speakers-held-out", "data", "speech", "--out", "{OUT}", "--speakers-held-out", "-1")]
    [InlineData("at most 1000", "data", "speech", "--out", "{OUT}", "--speakers-train", "990", "--speakers-held-out", "20")]
    [InlineData("--sentences-held-out", "data", "speech", "--out", "{OUT}", "--sentences-held-out", "1")]
    [InlineData("--sentences-held-out", "data", "speech", "--out", "{OUT}", "--sentences-held-out", "NaN")]
    [InlineData("--threads", "data", "speech", "--out", "{OUT}", "--threads", "0")]
    [InlineData("--seed", "data", "speech", "--out", "{OUT}", "--seed", "-1")]
    [InlineData("--out", "data", "speech")]
    [InlineData("cannot write", "data", "speech", "--out", "/proc/x", "--per-speaker", "1", "--speakers-train", "1", "--speakers-held-out", "0")]
    [InlineData("held-out", "tokenizer", "train", "--data", "/usr", "--held-out", "NaN", "--config", "configs/tokenizer-clipart32.json", "--out", "{OUT}")]
    [InlineData("timed step", "bench", "step", "--steps", "0")]
    [InlineData("codebook_size", "bench", "step", "--codebook-size", "100000000")]
    [InlineData("cannot write", "tokenizer", "train", "--out", "/proc/x")]
    [InlineData("cannot write", "tokenizer", "eval", "--out-dir", "/proc/x")]
    [InlineData("cannot write", "tokenizer", "encode", "--out", "/proc/x/tokens.safetensors")]
    [InlineData("cannot write", "classifier", "train", "--out", "/proc/x")]
    [InlineData("cannot write", "classifier", "eval", "--out-dir", "/proc/x")]
    [InlineData("does not exist", "sample", "--checkpoint", "/nonexistent/model")]
    [InlineData("tokenizer", "sample", "--checkpoint", "models/tokenizer")]
    [InlineData("tpu", "sample", "--device", "tpu")]
    [InlineData("does not exist", "speaker", "train", "--data", "/nonexistent", "--out", "{OUT}")]
    [InlineData("--limit", "speaker", "eval", "--limit", "1")]
    [InlineData("--per-speaker", "eval", "tts", "--per-speaker", "0", "--out-dir", "{OUT}")]
    [InlineData("--recognizer-threads", "eval", "tts", "--recognizer-threads", "0", "--out-dir", "{OUT}")]
    [InlineData("does not exist", "eval", "tts", "--data", "/nonexistent", "--out-dir", "{OUT}")]
    [InlineData("held-out-speaker", "eval", "tts", "--split", "train", "--out-dir", "{OUT}")]
    [InlineData("--prompt-text", "tts", "--text", "Hi there.", "--prompt", "/nonexistent.wav")]
    [InlineData("guidance", "sample", "--cfg", "1e30", "--count", "1")]
    [InlineData("draw scale", "sample", "--draw-scale", "1e30", "--count", "1")]
    [InlineData("--count", "bench", "sampling", "--count", "0", "--out-dir", "{OUT}")]
    [InlineData("--step-list", "bench", "sampling", "--step-list", "", "--out-dir", "{OUT}")]
    [InlineData("--step-list", "bench", "sampling", "--step-list", ",", "--out-dir", "{OUT}")]
    [InlineData("--cfg-list", "bench", "sampling", "--cfg-list", "NaN", "--out-dir", "{OUT}")]
    [InlineData("--cfg-list", "bench", "sampling", "--cfg-list", "1e30", "--out-dir", "{OUT}")]
    [InlineData("--step-list", "bench", "sampling", "--step-list", "4,8.5", "--out-dir", "{OUT}")]
    [InlineData("cannot write", "bench", "sampling", "--cfg-list", "0,0.75", "--out-dir", "/proc/x")]
    [InlineData("--step-list", "bench", "models", "--step-list", "", "--out-dir", "{OUT}")]
    [InlineData("--step-list", "bench", "models", "--step-list", "1.5", "--out-dir", "{OUT}")]
    [InlineData("--depths", "bench", "depth", "--depths", "", "--out-dir", "{OUT}")]
    [InlineData("--python", "bench", "perf", "--twin", "none", "--python", "/nonexistent", "--out-dir", "{OUT}")]
    [InlineData("batches", "bench", "perf", "--batches", "100000000", "--out-dir", "{OUT}")]
    [InlineData("positions", "bench", "step", "--grid", "100000")]
    [InlineData("--batch-size", "bench", "step", "--batch-size", "100000000")]
    [InlineData("--python", "bench", "step", "--python", "/nonexistent")]
    [InlineData("train.lr", "train", "--set", "train.lr=Infinity")]
    [InlineData("train.lr", "train", "--set", "train.lr=1e30")]
    [InlineData("train.min_lr", "train", "--set", "train.min_lr=NaN")]
    [InlineData("train.weight_decay", "train", "--set", "train.weight_decay=NaN")]
    [InlineData("train.weight_decay", "train", "--set", "train.weight_decay=1e30")]
    [InlineData("train.grad_clip", "train", "--set", "train.grad_clip=Infinity")]
    [InlineData("train.ema_decay", "train", "--set", "train.ema_decay=NaN")]
    [InlineData("model.mlp_ratio", "train", "--set", "model.mlp_ratio=1e30")]
    [InlineData("guidance", "train", "--set", "sample.guidance=1e30")]
    [InlineData("draw scale", "train", "--set", "sample.draw_scale=1e30")]
    [InlineData("train.lr", "tokenizer", "train", "--set", "train.lr=Infinity", "--out", "{OUT}")]
    [InlineData("train.weight_decay", "classifier", "train", "--set", "train.weight_decay=NaN", "--out", "{OUT}")]
    [InlineData("train.grad_clip", "speaker", "train", "--set", "train.grad_clip=Infinity", "--out", "{OUT}")]
    [InlineData("rvq.ema_decay", "tokenizer", "train", "--config", "configs/tokenizer-tiny.json", "--set", "rvq.ema_decay=1", "--out", "{OUT}")]
    public void BadInputIsOneSentenceAndExitCode2(string mentions, params string[] args)
    {
        using var dir = new TempDirectory();
        // shipped models by absolute path, outputs into a fresh folder: nothing may be written there
        var full = args.Select(a => a == "{OUT}" ? dir.File("out")
            : a.StartsWith("models/", StringComparison.Ordinal) || a.StartsWith("configs/", StringComparison.Ordinal) ? Path.Combine(RepoRoot(), a) : a).ToList();
        if (args[0] == "sample" && !args.Contains("--out-dir")) full.AddRange(["--out-dir", dir.File("out")]);
        if (args[0] == "train" && !args.Contains("--out")) full.AddRange(["--out", dir.File("out")]);
        OneSentence(mentions, [.. full]);
        Assert.True(!Directory.Exists(dir.File("out")) || Directory.GetFileSystemEntries(dir.File("out")).Length == 0, "output was written before the error");
    }

    [Fact]
    public void NonFiniteWeightsAreACorruptCheckpoint()
    {
        using var dir = new TempDirectory();
        string stem = dir.File("resgen");
        File.Copy(Shipped("resgen.json"), stem + ".json");
        var bytes = File.ReadAllBytes(Shipped("resgen.safetensors"));
        long header = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        // header intact, the first tensor's bytes all 0xFF: float NaNs
        bytes.AsSpan((int)(8 + header), 1024).Fill(0xFF);
        File.WriteAllBytes(stem + ".safetensors", bytes);
        OneSentence("corrupt", "sample", "--checkpoint", stem, "--tokenizer", Shipped("tokenizer"), "--count", "1", "--out-dir", dir.File("out"));
    }

    [Fact]
    public void DoctorReportsMissingAndGarbageData()
    {
        using var dir = new TempDirectory();
        foreach (var f in new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" })
            File.WriteAllBytes(dir.File(f), [.. Enumerable.Range(0, 100).Select(i => (byte)(i * 37))]);
        foreach (var data in new[] { dir.Path, dir.File("missing") })
        {
            var (code, output, err) = Run("doctor", "--data", data);
            Assert.Equal(CliApp.UserError, code);
            Assert.Contains("PROBLEM", output);
            Assert.Contains("fashion-mnist", err);
        }
    }

    [Fact]
    public void ShippedModelsAreFoundFromAnotherFolder()
    {
        using var dir = new TempDirectory();
        string old = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir.Path;
        try
        {
            var (code, output, err) = Run("sample", "--class", "bag", "--count", "1", "--steps", "2", "--out-dir", "out");
            Assert.True(code == 0, output + err);
            Assert.True(File.Exists(Path.Combine(dir.Path, "out", "c8_0000.png")));
        }
        finally { Environment.CurrentDirectory = old; }
    }
}
