using ResGen.Data.Speech;

namespace ResGen.Tests.Data.Speech;

public sealed class SentencePoolTests
{
    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog.")]
    [InlineData("  \"If it ain't broke,   don't fix it.\"  ", "If it ain't broke, don't fix it.")]
    [InlineData("Is this   a well-known\tproblem of ours?", "Is this a well-known problem of ours?")]
    [InlineData("The dogs' dinner was late again!", "The dogs' dinner was late again!")]
    [InlineData("Too short.", null)]
    [InlineData("One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.", null)]
    [InlineData("There are 42 reasons to stay home.", null)]
    [InlineData("Visit http www example com for more news.", "Visit http www example com for more news.")]
    [InlineData("Visit http://www.example.com for more news.", null)]
    [InlineData("Send mail to root at the local host now.", "Send mail to root at the local host now.")]
    [InlineData("Send mail to root@localhost for the answers.", null)]
    [InlineData("A shapely CATHOLIC SCHOOLGIRL is fidgeting inside.", null)]
    [InlineData("IBM digs a big hole in the ground.", null)]
    [InlineData("he walked slowly to the store", null)]
    [InlineData("He walked slowly to the store", null)]
    [InlineData("He said: this is the end of it.", null)]
    [InlineData("He said (quietly) that it was over.", null)]
    [InlineData("It was -- as you know -- a long day.", null)]
    [InlineData("We met at the St. Louis airport yesterday.", null)]
    [InlineData("'Buirdly' is a Scottish term for it.", null)]
    [InlineData("The café was closed on that Sunday.", null)]
    [InlineData("Why would you ever do that to me?!", null)]
    public void CleansOrRejects(string raw, string? expected) => Assert.Equal(expected, SentenceCleaner.Clean(raw));

    [Theory]
    [InlineData("he walked slowly to the store", "He walked slowly to the store.")]
    [InlineData("the dog barked all night long!", "The dog barked all night long!")]
    [InlineData("a house of great beauty and charm", "A house of great beauty and charm.")]
    [InlineData("an old car", null)]
    public void CompletesDictionaryFragments(string raw, string? expected) => Assert.Equal(expected, SentenceCleaner.Clean(raw, completeFragment: true));

    [Fact]
    public void FortuneRecordsLoseAttributionsAndSplitIntoSentences()
    {
        const string file = "\"The one charm of marriage is its deception.\"\n\t\t-- Oscar Wilde\n%\n" +
                            "Never keep up with the Joneses. Drag them down to your level.\n\t\t-- Quentin Crisp\n%\n" +
                            "A Chicago salesman checked into a St. Louis hotel at night. He was very tired by then.\n%\n" +
                            "Q: What is green and sings?\nA: Elvis.\n%\n" +
                            "[Ezek. 4:12-15 (KJV)]\n%\n";
        var sentences = SentencePool.FortuneSentences(file).ToList();
        Assert.Equal(
        [
            "The one charm of marriage is its deception.",
            "Never keep up with the Joneses.",
            "Drag them down to your level.",
            "He was very tired by then.",
        ], sentences);
    }

    [Fact]
    public void WordNetExamplesAreTheQuotedPartsOfTheGloss()
    {
        const string line = "00004258 00 v 01 bark 0 002 @ 00003356 v 0000 | speak in an unfriendly tone; \"She barked into the dog's ears all day\"; \"the dog barked at the mailman\"; \"short one\"  ";
        Assert.Equal(["She barked into the dog's ears all day.", "The dog barked at the mailman."], SentencePool.WordNetExamples(line));
        Assert.Empty(SentencePool.WordNetExamples("  1 This software and database is being provided to you, the LICENSEE, by \"Princeton University\" under the following license."));
    }

    [Fact]
    public void DeduplicatesWithoutCaseAndSorts()
    {
        var pool = SentencePool.Deduplicate(
        [
            new("Zebras run fast across the plain.", "a"),
            new("All is well that ends well.", "a"),
            new("ALL is well that ends well.", "b"),
            new("all is well that ends well.", "c"),
        ]);
        Assert.Equal(["All is well that ends well.", "Zebras run fast across the plain."], pool.Select(p => p.Text));
        Assert.Equal("a", pool[0].Source);
    }

    [Fact]
    public void MissingSourcesNameTheirPackages()
    {
        using var dir = new TempDirectory();
        Assert.Contains("fortunes-min", Assert.Throws<UserErrorException>(() => SentencePool.Load(dir.File("none"), dir.Path)).Message);
        File.WriteAllText(dir.File("wisdom"), "Look before you leap into the cold water.\n%\n");
        File.WriteAllText(dir.File("wisdom.dat"), "binary");
        Assert.Contains("wordnet-base", Assert.Throws<UserErrorException>(() => SentencePool.Load(dir.Path, dir.File("none"))).Message);
        foreach (var part in new[] { "noun", "verb", "adj", "adv" }) File.WriteAllText(dir.File("data." + part), "");
        var pool = SentencePool.Load(dir.Path, dir.Path);
        Assert.Equal([new PoolSentence("Look before you leap into the cold water.", "fortunes/wisdom")], pool);
    }

    [SpeechToolsInstalledFact]
    public void InstalledPoolIsLargeCleanAndSorted()
    {
        var pool = SentencePool.Load();
        Assert.True(pool.Count > 20_000, $"{pool.Count} sentences");
        Assert.True(pool.Count(p => p.Source.StartsWith("fortunes/", StringComparison.Ordinal)) > 5_000);
        Assert.All(pool, p => Assert.Equal(p.Text, SentenceCleaner.Clean(p.Text)));
        Assert.Equal(pool.Select(p => p.Text).Order(StringComparer.Ordinal), pool.Select(p => p.Text));
        Assert.Equal(pool.Count, pool.Select(p => p.Text.ToLowerInvariant()).Distinct().Count());
    }
}
