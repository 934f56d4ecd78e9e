using ResGen.Evaluation.Speech;

namespace ResGen.Tests.Evaluation.Speech;

public sealed class TtsReportTests
{
    static TtsSystemScore Score(string name, double[]? own, double[]? other)
        => new(name, "resgen", 16, 0.5, 1, 0, 0, 2, 3.0, 32, 1, 2, 1, own, other);

    [Fact]
    public void CloserToPromptCountsThePairedComparison()
    {
        Assert.Equal(2, Score("a", [0.5, 0.1, 0.3], [0.2, 0.4, 0.0]).CloserToPrompt);
        Assert.Equal(0, Score("b", [0.1], [0.1]).CloserToPrompt);   // a tie is not closer
        Assert.Null(Score("c", null, null).CloserToPrompt);
    }

    [Fact]
    public void WerByEngineGroupsTheUtterancesOfEachEngine()
    {
        UtteranceErrors U(int errors, int words) => new("r", "h", errors, 0, 0, words);
        var byEngine = TtsEvaluation.ByEngine([U(1, 4), U(3, 6), U(0, 5)], ["festival", "espeak-ng", "festival"]);
        Assert.Equal(["espeak-ng", "festival"], byEngine.Keys.ToArray());
        Assert.Equal(0.5, byEngine["espeak-ng"].Wer, 9);
        Assert.Equal(1 / 9.0, byEngine["festival"].Wer, 9);
        Assert.Equal(9, byEngine["festival"].ReferenceWords);
        Assert.Equal("espeak-ng", TtsEvaluation.Engine("espeak-ng en+pedro, pitch 65, 150 wpm"));
        Assert.Equal("festival", TtsEvaluation.Engine("festival kal_diphone, stretch 0.85, pitch -150 cents"));
        Assert.Throws<ArgumentException>(() => TtsEvaluation.ByEngine([U(1, 4)], []));
    }

    [Fact]
    public void TheSimilarityPlotShowsBothDistributionsOrIsNotWritten()
    {
        using var dir = new TempDirectory();
        var none = new TtsReport(3, 1, "held-out-speaker", TtsTask.CrossSentence, [Score("truth", null, null)]);
        Assert.False(TtsEvaluation.PlotSimilarity(none, dir.File("none.png")));
        Assert.False(File.Exists(dir.File("none.png")));

        var report = new TtsReport(3, 1, "held-out-speaker", TtsTask.CrossSentence,
            [Score("truth", null, null), Score("resgen", [0.5, 0.1, 0.3], [0.2, 0.4, 0.0])]);
        Assert.True(TtsEvaluation.PlotSimilarity(report, dir.File("sim.png")));
        var png = File.ReadAllBytes(dir.File("sim.png"));
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G');
    }
}
