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
}
