using ResGen.Evaluation.Speech;

namespace ResGen.Tests.Evaluation.Speech;

public sealed class LanguageModelTests
{
    static readonly string[] Pool =
    [
        "The cat sat on the mat.",
        "The dog sat on the log.",
        "A cat and a dog met on the road.",
        "She gave the dog a bone.",
        "He gave the cat some milk.",
        "The old man walked to the market.",
        "The market was busy in the morning.",
        "In the morning the birds sing.",
        "Birds sing when the sun comes up.",
        "The sun comes up over the hill.",
        "A small house stood on the hill.",
        "The house had a red door.",
        "She opened the red door slowly.",
        "He walked slowly down the road.",
        "The road was long and dusty.",
        "Dusty roads make the dog thirsty.",
        "The thirsty dog drank some water.",
        "Water ran down the hill to the river.",
        "The river was cold in the morning.",
        "The zyzzyva sat on the mat.", // no pronunciation: dropped
    ];

    /// <summary>A CMUdict-style file for every word of <see cref="Pool"/> but "zyzzyva", with an alternative for "the" and extra words.</summary>
    static string WriteDictionary(TempDirectory dir)
    {
        var words = Pool.SelectMany(TranscriptText.Words).Where(w => w != "zyzzyva").Distinct().Order(StringComparer.Ordinal).ToList();
        var lines = words.Select(w => $"{w} {string.Join(' ', w.Select(c => char.ToUpperInvariant(c) + "H"))}").ToList();
        lines.Add("the(2) DH IY");
        lines.Add("unused W AH N");
        lines.Add("unused(2) Y UW");
        string path = dir.File("source.dict");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void AHandComputedBigramModel()
    {
        // <s> a b </s>, <s> a c </s>: continuation unigrams a 1, b 1, c 1, </s> 2 (of 5);
        // bigram counts of 1: four, of 2: one ("<s> a") → D = 4 / (4 + 2·1) = 2/3;
        // p(b | a) = (1 − 2/3) / 2 + (2/3 · 2 / 2) · 1/5 = 0.3, γ(a) = 2/3
        var model = KneserNeyLanguageModel.Estimate([["a", "b"], ["a", "c"]], order: 2);
        Assert.Equal(2.0 / 3, model.Discounts[1], 12);
        using var dir = new TempDirectory();
        string path = dir.File("m.arpa");
        using (var w = new StreamWriter(path)) model.WriteArpa(w);
        var arpa = ArpaFile.Read(path);
        Assert.Equal(0.2, Math.Pow(10, arpa.Grams[1]["a"].LogProb), 5);
        Assert.Equal(0.4, Math.Pow(10, arpa.Grams[1]["</s>"].LogProb), 5);
        Assert.Equal(0.3, arpa.Probability(["a"], "b"), 5);
        Assert.Equal(2.0 / 3, Math.Pow(10, arpa.Grams[1]["a"].LogBackoff), 5);
        Assert.Equal(2.0 / 3 * 0.4, arpa.Probability(["a"], "</s>"), 5);
        Assert.Equal(-99.0, arpa.Grams[1]["<s>"].LogProb);
    }

    [Fact]
    public void TheTrigramArpaIsValidAndEveryDistributionSumsToOne()
    {
        var sentences = Pool.Take(19).Select(s => (IReadOnlyList<string>)TranscriptText.Words(s)).ToList();
        var model = KneserNeyLanguageModel.Estimate(sentences);
        using var dir = new TempDirectory();
        string path = dir.File("m.arpa");
        using (var w = new StreamWriter(path)) model.WriteArpa(w);
        var arpa = ArpaFile.Read(path);

        Assert.Equal(3, arpa.Order);
        for (int k = 1; k <= 3; k++)
        {
            Assert.Equal(arpa.HeaderCounts[k], arpa.Grams[k].Count);
            Assert.Equal(model.Counts[k - 1], arpa.Grams[k].Count);
            foreach (var (gram, (logProb, logBackoff)) in arpa.Grams[k])
            {
                Assert.True(double.IsFinite(logProb) && double.IsFinite(logBackoff), $"{gram}: {logProb} {logBackoff}");
                Assert.True(logProb <= 0 && logBackoff <= 0, $"{gram}: {logProb} {logBackoff}");
                // every n-gram's context and suffix are there too (pocketsphinx needs the prefixes)
                if (k > 1)
                {
                    Assert.Contains(gram[..gram.LastIndexOf(' ')], arpa.Grams[k - 1].Keys);
                    Assert.Contains(gram[(gram.IndexOf(' ') + 1)..], arpa.Grams[k - 1].Keys);
                }
            }
        }

        var outcomes = arpa.Grams[1].Keys.Where(w => w != "<s>").ToList();
        Assert.Equal(model.Words.Count + 1, outcomes.Count);
        var contexts = new List<string[]> { Array.Empty<string>() };
        contexts.AddRange(arpa.Grams[1].Keys.Where(w => w != "</s>").Select(w => new[] { w }));
        contexts.AddRange(arpa.Grams[2].Keys.Where(g => !g.EndsWith("</s>", StringComparison.Ordinal)).Select(g => g.Split(' ')));
        contexts.Add(["river", "cat"]); // an unseen context backs off all the way
        foreach (var h in contexts)
            Assert.Equal(1.0, outcomes.Sum(w => arpa.Probability(h, w)), 4);

        // the trigram the pool holds beats one it does not
        Assert.True(arpa.Probability(["sat", "on"], "the") > arpa.Probability(["sat", "on"], "road"));
    }

    [Fact]
    public void BuildWritesTheModelAndADictionaryOfExactlyItsWordsAndReportsWhatItDropped()
    {
        using var dir = new TempDirectory();
        string dictionary = WriteDictionary(dir);
        var files = LanguageModel.Build(Pool, dir.File("cache"), dictionary);

        Assert.Equal(19, files.Sentences);
        Assert.Equal(1, files.DroppedSentences);
        Assert.Equal(["zyzzyva"], files.UnknownWords);
        var arpa = ArpaFile.Read(files.ArpaPath);
        var vocabulary = arpa.Grams[1].Keys.Where(w => w is not "<s>" and not "</s>").ToHashSet();
        Assert.Equal(files.Words, vocabulary.Count);
        Assert.Equal(files.NgramCounts, [.. Enumerable.Range(1, 3).Select(k => arpa.HeaderCounts[k])]);

        var entries = File.ReadAllLines(files.DictionaryPath);
        var dictionaryWords = entries.Select(l => l.Split(' ')[0]).Select(w => w.Contains('(') ? w[..w.IndexOf('(')] : w).ToHashSet();
        Assert.Equal(vocabulary.Order(), dictionaryWords.Order());
        Assert.Contains("the(2) DH IY", entries);
        Assert.DoesNotContain(entries, l => l.StartsWith("unused", StringComparison.Ordinal));
    }

    [Fact]
    public void ASecondBuildOfTheSamePoolReusesTheCachedModel()
    {
        using var dir = new TempDirectory();
        string dictionary = WriteDictionary(dir);
        var first = LanguageModel.Build(Pool, dir.File("cache"), dictionary);
        var written = File.GetLastWriteTimeUtc(first.ArpaPath);
        File.SetLastWriteTimeUtc(first.ArpaPath, written.AddHours(-1));

        // same content in another order and punctuation: same entry, not rewritten
        var second = LanguageModel.Build(Pool.Reverse().Select(s => s.ToUpperInvariant().Replace(".", "!")), dir.File("cache"), dictionary);
        Assert.Equal(first.Folder, second.Folder);
        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(second.ArpaPath));
        Assert.Equal(first.UnknownWords, second.UnknownWords);
        Assert.Equal(first.NgramCounts, second.NgramCounts);

        var third = LanguageModel.Build(Pool.Skip(1), dir.File("cache"), dictionary);
        Assert.NotEqual(first.Folder, third.Folder);
        Assert.Equal(2, Directory.GetDirectories(dir.File("cache")).Length);
    }

    [Fact]
    public void APoolWithoutAnyKnownSentenceIsAUserError()
    {
        using var dir = new TempDirectory();
        string dictionary = WriteDictionary(dir);
        var e = Assert.Throws<UserErrorException>(() => LanguageModel.Build(["zyzzyva zyzzyva", "", "xylyl"], dir.File("cache"), dictionary));
        Assert.Contains("None of the 3 sentences", e.Message);
    }

    [Fact]
    public void AMissingDictionaryIsAUserErrorNamingIt()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<UserErrorException>(() => LanguageModel.Build(Pool, dir.File("cache"), dir.File("nope.dict")));
        Assert.Contains("nope.dict", e.Message);
        Assert.Contains("pocketsphinx-en-us", e.Message);
    }
}
