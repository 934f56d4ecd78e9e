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
