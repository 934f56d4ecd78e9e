using ResGen.Cli;

namespace ResGen.Tests.Cli;

/// <summary>`resgen bench step` times training steps of every kind at a config on random tokens.</summary>
[Collection(TorchCollection.Name)]
public sealed class BenchStepTests
{
    [Theory]
    [InlineData("resgen")]
    [InlineData("maskgit")]
    [InlineData("rq-transformer")]
    [InlineData("ar-resgen")]
    public void TimesTrainingStepsOfEveryKind(string kind)
    {
        var (code, output, err) = Repo.Resgen("bench", "step", "--model", kind, "--config", Path.Combine(Repo.Root(), "configs", $"{kind}-tiny.json"),
                                              "--grid", "3", "--depth", "4", "--codebook-size", "16", "--code-dim", "8", "--batch-size", "2", "--steps", "2");
        Assert.True(code == 0, output + err);
        Assert.Contains("ms per step (median of 2", output);
        Assert.Contains("3×3×4 tokens", output);
    }

    [Fact]
    public void BadSizesAreOneSentence()
    {
        Assert.Equal(CliApp.UserError, Repo.Resgen("bench", "step", "--batch-size", "0", "--grid", "2", "--depth", "2", "--codebook-size", "4", "--code-dim", "4").Code);
        Assert.Equal(CliApp.UserError, Repo.Resgen("bench", "step", "--depth", "0").Code);
    }

    /// <summary>
    /// With --twin, the PyTorch twin builds its network from the same resolved config and times the same
    /// step: its parameter count must be ours (so the ratio compares like with like), in fp32 and bf16.
    /// </summary>
    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public void TheTwinTimesTheSameNetworkBeside(string precision)
    {
        var (code, output, err) = Repo.Resgen("bench", "step", "--config", Path.Combine(Repo.Root(), "configs", "resgen-tiny.json"), "--grid", "3", "--depth", "4",
            "--codebook-size", "16", "--code-dim", "8", "--batch-size", "2", "--steps", "1", "--precision", precision, "--peak-tflops", "1",
            "--twin", Path.Combine(Repo.Root(), "bench/twin/resgen_twin.py"), "--threads", "1");
        Assert.True(code == 0, output + err);
        var ours = System.Text.RegularExpressions.Regex.Match(output, @"resgen \((?:fp32|bf16[^)]*)\): ([\d,]+) parameters");
        var theirs = System.Text.RegularExpressions.Regex.Match(output, @"twin \(([\d,]+) parameters");
        Assert.True(ours.Success && theirs.Success, output);
        Assert.Equal(ours.Groups[1].Value, theirs.Groups[1].Value);
        Assert.Contains("MFU", output);
        Assert.Contains("ratio", output);
    }

    [Theory]
    [InlineData("--twin", "/nonexistent/twin.py")]
    [InlineData("--peak-tflops", "-1")]
    [InlineData("--peak-tflops", "Infinity")]
    public void BadTwinOptionsAreOneSentence(string option, string value)
    {
        var (code, _, err) = Repo.Resgen("bench", "step", option, value);
        Assert.Equal(CliApp.UserError, code);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void TheTwinCoversResGenOnly()
    {
        var (code, _, err) = Repo.Resgen("bench", "step", "--model", "maskgit", "--twin", Path.Combine(Repo.Root(), "bench/twin/resgen_twin.py"));
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains("ResGen only", err);
    }
}
