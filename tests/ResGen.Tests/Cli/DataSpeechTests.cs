using ResGen.Data.Speech;
using ResGen.Tests.Data.Speech;

namespace ResGen.Tests.Cli;

public sealed class DataSpeechTests
{
    [SpeechToolsInstalledFact]
    public void BuildsASmallCorpusAndPrintsItsSummary()
    {
        using var dir = new TempDirectory();
        string output = dir.File("corpus");
        var (code, stdout, err) = Repo.Resgen("data", "speech", "--out", output, "--speakers-train", "2", "--speakers-held-out", "1", "--per-speaker", "2", "--seed", "4");
        Assert.True(code == 0, stdout + err);
        Assert.Contains("3 speakers, 6 utterances", stdout);
        Assert.Contains("held-out-speaker", stdout);
        var corpus = SpeechCorpus.Load(output);
        Assert.Equal(6, corpus.Utterances.Count);
        Assert.Equal(4UL, corpus.Info.Seed);

        // the same command again keeps everything
        (code, stdout, err) = Repo.Resgen("data", "speech", "--out", output, "--speakers-train", "2", "--speakers-held-out", "1", "--per-speaker", "2", "--seed", "4");
        Assert.True(code == 0, stdout + err);
        Assert.Contains("0 spoken now, 6 kept", stdout);
    }
}
