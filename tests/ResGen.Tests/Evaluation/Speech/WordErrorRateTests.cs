using ResGen.Evaluation.Speech;

namespace ResGen.Tests.Evaluation.Speech;

public sealed class WordErrorRateTests
{
    [Theory]
    [InlineData("Hello,   World!", "hello world")]
    [InlineData("Don't stop; it's O'Brien's dog.", "don't stop it's o'brien's dog")]
    [InlineData("'Tis the dogs' bone", "tis the dogs bone")]
    [InlineData("a well-known state-of-the-art idea", "a well known state of the art idea")]
    [InlineData("It costs 1,000 dollars in 2024.", "it costs 1000 dollars in 2024")]
    [InlineData("U.S.A. and/or E.U. \u2014 maybe", "usa and or eu maybe")]
    [InlineData("He said \u201Cno\u201D \u2019twas John\u2019s", "he said no twas john's")]
    [InlineData("\tTabs\nand\r\nnewlines  ", "tabs and newlines")]
    [InlineData("?! ... --", "")]
    public void NormalisationLowersDropsPunctuationAndKeepsInnerApostrophes(string text, string expected) =>
        Assert.Equal(expected, TranscriptText.Normalize(text));

    [Fact]
    public void IdenticalTextsHaveNoErrorsWhateverTheirPunctuationAndCase()
    {
        var u = WordErrorRate.Utterance("The cat, it sat.", "the CAT it sat");
        Assert.Equal((0, 0, 0, 4), (u.Substitutions, u.Deletions, u.Insertions, u.ReferenceWords));
        Assert.Equal(0.0, u.Rate);
    }

    [Fact]
    public void AnEmptyHypothesisDeletesEveryReferenceWord()
    {
        var u = WordErrorRate.Utterance("one two three", "");
        Assert.Equal((0, 3, 0, 3), (u.Substitutions, u.Deletions, u.Insertions, u.ReferenceWords));
        Assert.Equal(1.0, u.Rate);
    }

    [Fact]
    public void AnEmptyReferenceMakesEveryHypothesisWordAnInsertion()
    {
        var u = WordErrorRate.Utterance("", "uh huh");
        Assert.Equal((0, 0, 2, 0), (u.Substitutions, u.Deletions, u.Insertions, u.ReferenceWords));
        Assert.Equal(double.PositiveInfinity, u.Rate);
        Assert.Equal(0.0, WordErrorRate.Utterance("...", "").Rate);
    }

    [Fact]
    public void ExtraWordsAroundACorrectHypothesisAreAllInsertions()
    {
        var u = WordErrorRate.Utterance("a b", "x a y b z");
        Assert.Equal((0, 0, 3, 2), (u.Substitutions, u.Deletions, u.Insertions, u.ReferenceWords));
        Assert.Equal(1.5, u.Rate);
    }

    [Fact]
    public void AKnownMixOfSubstitutionsDeletionsAndInsertions()
    {
        // ref: the quick brown fox jumps over the lazy dog   (9 words)
        // hyp: the quack brown fox jumped over lazy dog today
        // quick→quack (S), jumps→jumped (S), "the" before lazy missing (D), "today" extra (I)
        var u = WordErrorRate.Utterance("The quick brown fox jumps over the lazy dog.", "the quack brown fox jumped over lazy dog today");
        Assert.Equal((2, 1, 1, 9), (u.Substitutions, u.Deletions, u.Insertions, u.ReferenceWords));
        Assert.Equal(4.0 / 9, u.Rate, 12);
    }

    [Fact]
    public void TheMinimumEditCountIsFoundWhenAShiftLooksLikeSubstitutions()
    {
        // "a b c d" → "b c d e": one deletion and one insertion (2), not four substitutions
        var u = WordErrorRate.Utterance("a b c d", "b c d e");
        Assert.Equal(2, u.Errors);
        Assert.Equal((0, 1, 1), (u.Substitutions, u.Deletions, u.Insertions));
    }

    [Fact]
    public void TheCorpusRateSumsErrorsAndWordsInsteadOfAveragingRates()
    {
        string[] refs = ["one two three four five six seven eight nine ten", "hello there"];
        string[] hyps = ["one two three four five six seven eight nine ten", "goodbye"];
        var wer = WordErrorRate.Compute(refs, hyps);
        // utterance rates 0 and 1 (mean 0.5); corpus: 2 errors (1 S + 1 D) over 12 words
        Assert.Equal(2, wer.Utterances.Count);
        Assert.Equal(0.0, wer.Utterances[0].Rate);
        Assert.Equal(1.0, wer.Utterances[1].Rate);
        Assert.Equal((1, 1, 0, 12), (wer.Substitutions, wer.Deletions, wer.Insertions, wer.ReferenceWords));
        Assert.Equal(2.0 / 12, wer.Rate, 12);
        Assert.Equal("hello there", wer.Utterances[1].Reference);
        Assert.Equal("goodbye", wer.Utterances[1].Hypothesis);
    }

    [Fact]
    public void MismatchedListsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => WordErrorRate.Compute(["a", "b"], ["a"]));
        Assert.Contains("2 references and 1 hypotheses", e.Message);
    }

    [Fact]
    public void NoUtterancesGiveARateOfZero() => Assert.Equal(0.0, WordErrorRate.Compute([], []).Rate);
}
