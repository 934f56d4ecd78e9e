using ResGen.Tests.Data.Speech;
using ResGen.Text;

namespace ResGen.Tests.Text;

public sealed class PhonemizerTests
{
    static string[] P(string text) => Phonemizer.Shared.Phonemize(text);

    [SpeechToolsInstalledFact]
    public void SameTextGivesSamePhonemesWhateverCameBefore()
    {
        const string text = "The quick brown fox jumps over the lazy dog.";
        var first = P(text);
        P("Is it raining in Glasgow today?");
        P("A completely different sentence, with a comma!");
        Assert.Equal(first, P(text));
        Assert.Equal(string.Join(' ', first), string.Join(' ', P(text)));
    }

    [SpeechToolsInstalledFact]
    public void KnownSentenceGivesItsSymbols()
    {
        // espeak-ng 1.51 (Debian 12), voice en-us
        Assert.Equal("h ə l ˈ oʊ | w ˈ ɜː l d , | ɪ z | ɪ t | ɹ ˈ eɪ n ɪ ŋ ?", string.Join(' ', P("Hello world, is it raining?")));
    }

    [SpeechToolsInstalledFact]
    public void LongerSentencesGiveMoreSymbolsAndWordBoundaries()
    {
        var two = P("Good morning.");
        var twenty = P("The old man walked slowly down the long and winding road to see his friends who lived by the river.");
        Assert.Equal(1, two.Count(s => s == PhonemeVocabulary.WordBoundary));
        Assert.InRange(twenty.Count(s => s == PhonemeVocabulary.WordBoundary), 17, 19);
        Assert.True(twenty.Length > 6 * two.Length, $"{twenty.Length} vs {two.Length} symbols");
        Assert.Equal(".", two[^1]);
        Assert.Equal(".", twenty[^1]);
    }

    [SpeechToolsInstalledFact]
    public void EverySymbolIsInTheVocabulary()
    {
        foreach (var text in new[] { "She'd rather be well-known than rich, wouldn't she?", "Allied forces crumbled before the Wehrmacht.", "A frisson of surprise shot through him!", "Numbers like 42 are spoken too." })
            Assert.All(P(text), s => Assert.True(PhonemeVocabulary.Default.Contains(s), $"'{s}' of '{text}' is not in the vocabulary"));
    }

    [SpeechToolsInstalledTheory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("123 456 !?", "no letters")]
    [InlineData("... --- ...", "no letters")]
    public void TextWithoutLettersIsOneSentence(string text, string mentions)
        => Assert.Contains(mentions, Assert.Throws<UserErrorException>(() => P(text)).Message);
}
