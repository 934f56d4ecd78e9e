using System.Text.RegularExpressions;

namespace ResGen.Tests.Perf;

/// <summary>
/// The inner loops of sampling and training never wait for the device: no value is read back to the
/// host (<c>.item()</c>, <c>.cpu()</c>, <c>.data&lt;T&gt;()</c>) and no shape depends on data
/// (<c>nonzero</c>, <c>masked_select</c>) in the code they run. A read that is needed once, before a
/// loop or at the logging interval, carries a <c>// host: reason</c> comment on its line. (libtorch
/// offers no hook to catch a synchronisation at run time, and meta tensors lack kernels for ops such as
/// index_select, so the check reads the source of everything those loops call.)
/// </summary>
public sealed class NoHostSyncTests
{
    /// <summary>Files whose code runs inside the sampling and training loops (samplers, networks, losses, optimizer, EMA, batches).</summary>
    static readonly string[] InnerLoopCode =
    [
        "src/ResGen/Generation/ResGen", "src/ResGen/Generation/MaskGit", "src/ResGen/Generation/ArResGen", "src/ResGen/Generation/RqTransformer",
        "src/ResGen/Generation/Mixture", "src/ResGen/Nn", "src/ResGen/Conditioning",
        "src/ResGen/Generation/ConfidenceReveal.cs", "src/ResGen/Generation/TokenDraw.cs", "src/ResGen/Generation/DepthMasking.cs",
        "src/ResGen/Generation/TokenInputs.cs", "src/ResGen/Generation/SampleRequest.cs", "src/ResGen/Generation/MaskSchedule.cs",
        "src/ResGen/Tokens/Requantizer.cs", "src/ResGen/Tokens/TokenLayout.cs",
        "src/ResGen/Training/FlatAdamW.cs", "src/ResGen/Training/FlatParameters.cs", "src/ResGen/Training/TrainingLoop.cs", "src/ResGen/Training/Ema.cs",
    ];

    static readonly Regex Sync = new(@"\.(item|cpu|data|nonzero|masked_select|tolist)\s*[<(]", RegexOptions.Compiled);

    internal static IEnumerable<string> Offending(string file) => File.ReadLines(file)
        .Select((line, i) => (line, i))
        .Where(x => Sync.IsMatch(StripComment(x.line)) && !x.line.Contains("// host:", StringComparison.Ordinal))
        .Select(x => $"{file}:{x.i + 1}: {x.line.Trim()}");

    static string StripComment(string line)
    {
        int c = line.IndexOf("//", StringComparison.Ordinal);
        return c < 0 ? line : line[..c];
    }

    [Fact]
    public void InnerLoopsNeverReadTheDevice()
    {
        string root = Repo.Root();
        var files = InnerLoopCode.SelectMany(p =>
        {
            string full = Path.Combine(root, p);
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{p} is gone: update the list of inner-loop code");
            return Directory.Exists(full) ? Directory.GetFiles(full, "*.cs", SearchOption.AllDirectories) : [full];
        }).ToList();
        Assert.True(files.Count > 30, $"only {files.Count} files scanned");
        var bad = files.SelectMany(Offending).ToList();
        Assert.True(bad.Count == 0, "host synchronisation in an inner loop (mark a needed one-off read with // host: reason):\n" + string.Join("\n", bad));
    }

    [Fact]
    public void TheCheckCatchesAReadBack()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, [
                "var n = x.sum().item<long>();",
                "var c = (x > 0).nonzero();",
                "var h = x.cpu();",
                "var ok = x.cpu(); // host: once, before the loop",
                "// x.item<float>() in a comment",
                "var fine = x.sum(1);",
            ]);
            Assert.Equal(3, Offending(file).Count());
        }
        finally { File.Delete(file); }
    }
}
