using ResGen.Data.Speech;
using TorchSharp;

namespace ResGen.Tests.Data.Speech;

/// <summary>The speech token store: file round trip, damage, and prompted batches for both TTS tasks.</summary>
[Collection(TorchCollection.Name)]
public sealed class SpeechTokensTests
{
    const int D = 3;

    static SpeechTokens Set()
    {
        var items = new List<SpeechTokenItem>();
        for (int i = 0; i < 6; i++)
        {
            int frames = 4 + i;
            items.Add(new SpeechTokenItem($"s{i % 2}_{i}", $"s{i % 2}", [.. Enumerable.Range(0, frames * D).Select(c => (short)((c + i) % 16))],
                [.. Enumerable.Range(0, 2 + i).Select(p => 1 + ((p + i) % 9))]));
        }
        return new SpeechTokens(items, D, 16, 10, 20, "abc");
    }

    [Fact]
    public void RoundTripsThroughItsFile()
    {
        using var dir = new TempDirectory();
        var set = Set();
        set.Save(dir.File("t.safetensors"));
        var back = SpeechTokens.Load(dir.File("t.safetensors"));
        Assert.Equal(set.Count, back.Count);
        Assert.Equal((D, 16, 10, 20.0, "abc"), (back.Depth, back.CodebookSize, back.Vocabulary, back.FrameRate, back.TokenizerHash));
        for (int i = 0; i < set.Count; i++)
        {
            Assert.Equal(set.Items[i].Id, back.Items[i].Id);
            Assert.Equal(set.Items[i].Speaker, back.Items[i].Speaker);
            Assert.Equal(set.Items[i].Codes, back.Items[i].Codes);
            Assert.Equal(set.Items[i].Phonemes, back.Items[i].Phonemes);
        }
    }

    [Fact]
    public void RefusesOtherAndDamagedFiles()
    {
        using var dir = new TempDirectory();
        Assert.Throws<UserErrorException>(() => SpeechTokens.Load(dir.File("missing.safetensors")));
        File.WriteAllText(dir.File("junk.safetensors"), "not a file");
        Assert.Throws<UserErrorException>(() => SpeechTokens.Load(dir.File("junk.safetensors")));
        Assert.Throws<UserErrorException>(() => new SpeechTokens([new SpeechTokenItem("a", "s", [1, 2], [1])], D, 16, 10, 20, ""));
        Assert.Throws<UserErrorException>(() => new SpeechTokens([new SpeechTokenItem("a", "s", [1, 2, 3], [10])], D, 16, 10, 20, ""));
    }

    /// <summary>The set with each phoneme lasting one frame (the last until the end).</summary>
    static SpeechTokens AlignedSet()
        => new([.. Set().Items.Select(i => i with { Starts = [.. Enumerable.Range(0, i.Phonemes.Length).Select(p => (float)Math.Min(p, i.Frames(D)))] })], D, 16, 10, 20, "abc");

    [Fact]
    public void AlignedSetsKeepTheirStartsAndGiveMeanDurations()
    {
        var set = AlignedSet();
        Assert.True(set.Aligned);
        Assert.False(Set().Aligned);
        Assert.Null(Set().MeanDurations());
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "t.safetensors");
        set.Save(path);
        var back = SpeechTokens.Load(path);
        for (int i = 0; i < set.Count; i++) Assert.Equal(set.Items[i].Starts, back.Items[i].Starts);
        var durations = set.MeanDurations()!;
        Assert.Equal(10, durations.Length);
        Assert.Equal(0, durations[0]);
        Assert.All(durations.Skip(1), v => Assert.InRange(v, 0, 10));
        // every phoneme but an utterance's last lasts one frame; a short utterance's late phonemes last 0
        double total = set.Items.Sum(i => i.Frames(D));
        double counted = set.Items.Sum(i => i.Phonemes.Length);
        Assert.InRange(durations.Skip(1).Average(), 0.2, total / counted * 3);
        // mixed, non-monotone or out-of-range starts are refused
        Assert.Throws<UserErrorException>(() => new SpeechTokens([set.Items[0], Set().Items[1]], D, 16, 10, 20, "abc"));
        Assert.Throws<UserErrorException>(() => new SpeechTokens([set.Items[0] with { Starts = [1f, 0f] }], D, 16, 10, 20, "abc"));
        Assert.Throws<UserErrorException>(() => new SpeechTokens([set.Items[0] with { Starts = [0f, 99f] }], D, 16, 10, 20, "abc"));
    }

    [Fact]
    public void AlignedBatchesGiveStartsAsFractionsOfEachSequence()
    {
        var set = AlignedSet();
        var rng = new Random(3);
        for (int round = 0; round < 20; round++)
        {
            var (tokens, text) = set.Batch([0, 1, 2, 3, 4, 5], 16, new PromptSettings(1.0, 0.5, 0.5), rng);
            var lengths = tokens.Lengths!.data<long>().ToArray();
            var prompts = tokens.PromptLengths!.data<long>().ToArray();
            for (int e = 0; e < 6; e++)
            {
                var target = set.Items[e];
                var starts = text.Starts![e].data<float>().ToArray();
                int p = (int)text.Lengths[e].item<long>();
                long offset = lengths[e] - target.Frames(D);      // the mate's frames before the target in a pair, else 0
                var expected = target.Starts!.Select(s => (s + offset) / lengths[e]).ToArray();
                Assert.Equal(expected, starts[(p - target.Phonemes.Length)..p], new FloatTolerance(1e-6f));
                for (int i = 1; i < p; i++) Assert.True(starts[i] >= starts[i - 1]);
                if (offset > 0) Assert.Equal(prompts[e], offset);
            }
        }
    }

    sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }

    [Fact]
    public void BatchesPadAndPromptWithAPrefixOrAnotherUtteranceOfTheSameSpeaker()
    {
        var set = Set();
        var rng = new Random(1);
        int pairs = 0, prefixes = 0;
        for (int round = 0; round < 40; round++)
        {
            var (tokens, text) = set.Batch([0, 1, 2, 3, 4, 5], 16, new PromptSettings(1.0, 0.5, 0.5), rng);
            var lengths = tokens.Lengths!.data<long>().ToArray();
            Assert.Equal(new long[] { 6, lengths.Max(), D }, tokens.Indices.shape);   // padded to the longest example
            var prompts = tokens.PromptLengths!.data<long>().ToArray();
            var phonemeLengths = text.Lengths.data<long>().ToArray();
            for (int e = 0; e < 6; e++)
            {
                var target = set.Items[e];
                int frames = target.Frames(D);
                Assert.True(prompts[e] < lengths[e]);
                Assert.Equal(0L, tokens.Indices[e].narrow(0, lengths[e], lengths.Max() - lengths[e]).abs().sum().item<long>());
                if (lengths[e] > frames)
                {
                    // a pair: the prompt is a whole utterance of the same speaker, then the target
                    pairs++;
                    Assert.Equal(lengths[e] - frames, prompts[e]);
                    var mate = set.Items.Single(m => m.Speaker == target.Speaker && m.Frames(D) == prompts[e] && m.Phonemes.Length + target.Phonemes.Length == phonemeLengths[e]);
                    Assert.Equal(mate.Codes.Select(c => (long)c), tokens.Indices[e].narrow(0, 0, prompts[e]).reshape(-1).data<long>().ToArray());
                    Assert.Equal(target.Phonemes.Select(p => (long)p), text.Phonemes[e].narrow(0, mate.Phonemes.Length, target.Phonemes.Length).data<long>().ToArray());
                }
                else
                {
                    prefixes++;
                    Assert.Equal(frames, lengths[e]);
                    Assert.True(prompts[e] <= frames / 2);
                    Assert.Equal(target.Phonemes.Length, phonemeLengths[e]);
                }
            }
        }
        Assert.True(pairs > 20 && prefixes > 20, $"pairs {pairs}, prefixes {prefixes}");
        var (plain, _) = set.Batch([5], 6, PromptSettings.None, rng);
        Assert.Null(plain.PromptLengths);
        Assert.Equal(6L, plain.Lengths!.item<long>());           // cut to the positions
    }
}
