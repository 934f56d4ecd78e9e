using ResGen.Audio;
using ResGen.Data.Speech;
using ResGen.Tests.Audio;
using ResGen.Tests.Data.Speech;
using ResGen.Tokens.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Tokens.Speech;

[Collection(TorchCollection.Name)]
public sealed class WavMelSourceTests
{
    static string Write(TempDirectory dir, string name, Tensor wave, int rate = TestSignals.Rate)
    {
        string path = dir.File(name);
        WavFile.Write(path, new MonoAudio(wave.data<float>().ToArray(), rate));
        return path;
    }

    [Fact]
    public void GivesTheMelsOfTheFilesAndKeepsThemWithinTheBudget()
    {
        using var dir = new TempDirectory();
        var config = new MelConfig();
        string[] paths = [Write(dir, "a.wav", TestSignals.Vowel(0.5)), Write(dir, "b.wav", TestSignals.Vowel(0.3, voice: 1))];
        long[] samples = [8000, 4800];
        using var source = new WavMelSource(paths, config, samples, cacheBytes: 80 * 41 * sizeof(float));   // room for a.wav only
        Assert.Equal(2, source.Count);
        Assert.Equal(80, source.MelBins);
        Assert.Equal([41L, 25L], new[] { source.Frames(0), source.Frames(1) });
        Assert.Equal(0, source.CachedBytes);                                  // counting frames read nothing
        for (int i = 0; i < 2; i++)
        {
            var expected = MelSpectrogram.FromWaveform(torch.tensor(WavFile.Read(paths[i]).Samples), config);
            TensorAssert.Equal(expected, source.Get(i));
            var again = source.Get(i);
            TensorAssert.Equal(expected, again);
            again.fill_(0);                                                  // a caller's copy, not the cache
            TensorAssert.Equal(expected, source.Get(i));
        }
        Assert.Equal(80 * 41 * sizeof(float), source.CachedBytes);
    }

    [Fact]
    public void FilesAtAnotherRateAreResampledAndCountedByReading()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "c.wav", TestSignals.Sine(440, 0.5, 0.3).index_select(0, torch.arange(0, 8000, 2)), rate: 8000);
        using var source = new WavMelSource([path], new MelConfig());
        Assert.InRange(source.Frames(0), 40, 42);                            // 0.5 s at 80 frames per second
        Assert.Equal(new long[] { 80, source.Frames(0) }, source.Get(0).shape);
    }

    [SpeechToolsInstalledFact]
    public void ReadsASplitOfASpeechCorpus()
    {
        using var dir = new TempDirectory();
        SpeakerSpec[] speaker = [new() { Id = "s000", Engine = SpeakerSpec.Espeak, Voice = "en-us", Variant = "m3", Pitch = 40, Rate = 170, HeldOut = false }];
        PoolSentence[] pool = [new("The cat sat quietly on the warm mat.", "test"), new("We walked along the river for an hour.", "test"), new("Please close the door when you leave.", "test")];
        SpeechCorpusBuilder.Build(dir.Path, new SpeechCorpusOptions(TrainSpeakers: 1, HeldOutSpeakers: 0, PerSpeaker: 2, HeldOutSentenceShare: 0.34, Seed: 3, Threads: 1), pool, speaker);
        var corpus = SpeechCorpus.Load(dir.Path);
        using var train = WavMelSource.FromCorpus(corpus, CorpusPlan.Train, new MelConfig());
        Assert.Equal(corpus.Split(CorpusPlan.Train).Count(), train.Count);
        for (int i = 0; i < train.Count; i++) Assert.Equal(train.Frames(i), train.Get(i).shape[1]);
        Assert.Throws<UserErrorException>(() => WavMelSource.FromCorpus(corpus, CorpusPlan.HeldOutSpeaker, new MelConfig()));
    }
}
