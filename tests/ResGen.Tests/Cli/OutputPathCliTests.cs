using ResGen.Cli;
using ResGen.Tests.IO;

namespace ResGen.Tests.Cli;

/// <summary>
/// Every writing verb pointed at what is not its own output — a private device node, a FIFO, a
/// socket, a symbolic link to the device, and for a file output a folder — ends in one sentence
/// with exit code 2 and leaves the entry as it was; an empty path is one sentence too.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OutputPathCliTests
{
    /// <summary>Verbs that write one file named by --out ({OUT}).</summary>
    static readonly string[][] FileVerbs =
    [
        ["tts", "--text", "Hello there.", "--prompt", "/nonexistent.wav", "--prompt-text", "Hello.", "--out", "{OUT}"],
        ["tokenizer", "encode", "--limit", "2", "--checkpoint", "models/tokenizer", "--out", "{OUT}"],
    ];

    /// <summary>Verbs that write into a folder named by --out or --out-dir ({OUT}).</summary>
    static readonly string[][] FolderVerbs =
    [
        ["train", "--out", "{OUT}"],
        ["tokenizer", "train", "--out", "{OUT}"],
        ["tokenizer", "eval", "--out-dir", "{OUT}"],
        ["classifier", "train", "--out", "{OUT}"],
        ["classifier", "eval", "--out-dir", "{OUT}"],
        ["sample", "--count", "1", "--out-dir", "{OUT}"],
        ["eval", "--count", "1", "--out-dir", "{OUT}"],
        ["bench", "models", "--out-dir", "{OUT}"],
        ["bench", "sampling", "--out-dir", "{OUT}"],
        ["bench", "depth", "--out-dir", "{OUT}"],
        ["bench", "optimizer", "--out-dir", "{OUT}"],
        ["bench", "perf", "--out-dir", "{OUT}"],
        ["eval", "tts", "--out-dir", "{OUT}"],
        ["speaker", "train", "--out", "{OUT}"],
        ["data", "speech", "--out", "{OUT}", "--per-speaker", "1", "--speakers-train", "1", "--speakers-held-out", "0"],
    ];

    public static TheoryData<string, string[]> Cases()
    {
        var data = new TheoryData<string, string[]>();
        foreach (var verb in FileVerbs)
            foreach (var name in SpecialFiles.NonRegularNames.Append("folder")) data.Add(name, verb);
        foreach (var verb in FolderVerbs)
            foreach (var name in SpecialFiles.NonRegularNames.Append("regular.txt")) data.Add(name, verb);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AWritingVerbLeavesWhatIsNotItsOutputAlone(string name, string[] verb)
    {
        using var files = new SpecialFiles();
        string target = files.Entry(name);
        string before = files.Snapshot();
        var args = verb.Select(a => a == "{OUT}" ? target : a.StartsWith("models/", StringComparison.Ordinal) ? Path.Combine(Repo.Root(), a) : a).ToArray();
        var (code, _, err) = Repo.Resgen(args);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == CliApp.UserError, $"resgen {string.Join(' ', args)}: exit {code}\n{err}");
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal), $"resgen {string.Join(' ', args)}: not one sentence:\n{err}");
        Assert.Contains(target, lines[0]);
        Assert.Equal(before, files.Snapshot());
    }

    public static TheoryData<string[]> EmptyCases()
    {
        var data = new TheoryData<string[]>();
        foreach (var verb in FileVerbs.Concat(FolderVerbs))
            foreach (var empty in new[] { "", "  " }) data.Add([.. verb.Select(a => a == "{OUT}" ? empty : a)]);
        return data;
    }

    [Theory]
    [MemberData(nameof(EmptyCases))]
    public void AnEmptyOutputPathIsOneSentence(string[] args)
    {
        var (code, _, err) = Repo.Resgen(args);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == CliApp.UserError, $"resgen {string.Join(' ', args)}: exit {code}\n{err}");
        Assert.True(lines.Length == 1 && lines[0].Contains("empty path", StringComparison.Ordinal), $"resgen {string.Join(' ', args)}: not one sentence:\n{err}");
    }
}
