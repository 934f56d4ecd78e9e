using ResGen.Text;

namespace ResGen.Tests.Text;

public sealed class PhonemeVocabularyTests
{
    [Fact]
    public void DefaultStartsWithTheSpecialSymbolsAndHasNoDuplicates()
    {
        var v = PhonemeVocabulary.Default;
        Assert.Equal([PhonemeVocabulary.Pad, PhonemeVocabulary.Unknown, PhonemeVocabulary.WordBoundary], v.Symbols.Take(3));
        Assert.Equal(v.Count, v.Symbols.Distinct().Count());
        Assert.Equal(79, v.Count);
        Assert.Equal(v.UnknownId, v.IdOf("no such phoneme"));
        Assert.Equal(v.WordBoundaryId, v.IdOf("|"));
        Assert.Equal(["ʃ", "<unk>", "|", "?"], v.Decode(v.Encode(["ʃ", "☃", "|", "?"])));
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Decode([v.Count]));
    }

    [Fact]
    public void SavedVocabularyLoadsWithTheSameIds()
    {
        using var dir = new TempDirectory();
        PhonemeVocabulary.Default.Save(dir.File("phonemes.json"));
        var back = PhonemeVocabulary.Load(dir.File("phonemes.json"));
        Assert.Equal(PhonemeVocabulary.Default.Symbols, back.Symbols);
        Assert.Equal(PhonemeVocabulary.Default.Description, back.Description);
        Assert.Contains("ɑːɹ", File.ReadAllText(dir.File("phonemes.json"))); // IPA readable, not escaped
    }

    [Fact]
    public void MissingOrDamagedVocabularyIsOneSentence()
    {
        using var dir = new TempDirectory();
        Assert.Contains("does not exist", Assert.Throws<UserErrorException>(() => PhonemeVocabulary.Load(dir.File("none.json"))).Message);
        File.WriteAllText(dir.File("bad.json"), "{ \"format\": ");
        Assert.Contains("damaged", Assert.Throws<UserErrorException>(() => PhonemeVocabulary.Load(dir.File("bad.json"))).Message);
        File.WriteAllText(dir.File("other.json"), "{ \"format\": \"something-else\", \"symbols\": [] }");
        Assert.Contains("not a phoneme vocabulary", Assert.Throws<UserErrorException>(() => PhonemeVocabulary.Load(dir.File("other.json"))).Message);
        File.WriteAllText(dir.File("dup.json"), "{ \"format\": \"resgen-phonemes/1\", \"symbols\": [\"<pad>\", \"<unk>\", \"|\", \"a\", \"a\"] }");
        Assert.Contains("twice", Assert.Throws<UserErrorException>(() => PhonemeVocabulary.Load(dir.File("dup.json"))).Message);
        File.WriteAllText(dir.File("order.json"), "{ \"format\": \"resgen-phonemes/1\", \"symbols\": [\"a\", \"<pad>\", \"<unk>\", \"|\"] }");
        Assert.Contains("damaged", Assert.Throws<UserErrorException>(() => PhonemeVocabulary.Load(dir.File("order.json"))).Message);
    }
}
