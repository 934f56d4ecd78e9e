using ResGen.Audio;
using ResGen.Data.Speech;

namespace ResGen.Tests.Data.Speech;

public sealed class SpeechCorpusBuilderTests
{
    static readonly PoolSentence[] Pool =
    [
        new("The cat sat quietly on the warm mat.", "test"),
        new("Is it going to rain in the city today?", "test"),
        new("We walked along the river for an hour.", "test"),
        new("Please close the door when you leave.", "test"),
        new("My brother plays the piano every evening.", "test"),
        new("The old bridge was finally repaired last year!", "test"),
    ];

    /// <summary>Two espeak-ng training speakers, a Festival training speaker with a pitch shift (sox), one held-out espeak-ng speaker.</summary>
    static readonly SpeakerSpec[] Speakers =
    [
        new() { Id = "s000", Engine = SpeakerSpec.Espeak, Voice = "en-us", Variant = "m3", Pitch = 40, Rate = 170, HeldOut = false },
        new() { Id = "s001", Engine = SpeakerSpec.Festival, Voice = "kal_diphone", Stretch = 1.05, PitchShiftCents = 150, HeldOut = false },
        new() { Id = "s002", Engine = SpeakerSpec.Espeak, Voice = "en-gb-scotland", Variant = "f2", Pitch = 60, Rate = 150, HeldOut = false },
        new() { Id = "s003", Engine = SpeakerSpec.Espeak, Voice = "en-029", Variant = "klatt4", Pitch = 50, Rate = 160, HeldOut = true },
    ];

    static readonly SpeechCorpusOptions Options = new(TrainSpeakers: 3, HeldOutSpeakers: 1, PerSpeaker: 2, HeldOutSentenceShare: 0.34, Seed: 3, Threads: 2);

    static SpeechCorpusSummary Build(string dir) => SpeechCorpusBuilder.Build(dir, Options, Pool, Speakers);

    static Dictionary<string, byte[]> Files(string dir) => Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    [SpeechToolsInstalledFact]
    public void BuildsWhatTheManifestSaysDeterministicallyAndResumes()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var summary = Build(a.Path);
        Assert.Equal(8, summary.Rendered);
        var corpus = SpeechCorpus.Load(a.Path);
        Assert.Equal(8, corpus.Utterances.Count);
        Assert.Equal(corpus.Vocabulary.Symbols, ResGen.Text.PhonemeVocabulary.Default.Symbols);
        foreach (var u in corpus.Utterances)
        {
            var audio = WavFile.Read(corpus.WavPath(u));
            Assert.Equal(16_000, audio.SampleRate);
            Assert.Equal(u.Samples, audio.Samples.Length);
            Assert.Equal(u.Samples / 16_000.0, u.Seconds, 3);
            Assert.InRange(u.Seconds, 1.0, 8.0);
            Assert.InRange(audio.Samples.Max(Math.Abs), 0.85f, 0.95f); // scaled to a 0.9 peak
            Assert.DoesNotContain("<unk>", u.Phonemes.Split(' '));
            Assert.All(u.Phonemes.Split(' '), s => Assert.True(corpus.Vocabulary.Contains(s), s));
            Assert.Equal(Speakers.Single(s => s.Id == u.Speaker).Description, u.SpeakerDescription);
        }
        // splits: held-out speaker only in its split, held-out sentences never in training
        Assert.All(corpus.Split(CorpusPlan.HeldOutSpeaker), u => Assert.Equal("s003", u.Speaker));
        Assert.DoesNotContain(corpus.Split(CorpusPlan.Train), u => u.Speaker == "s003");
        var trainTexts = corpus.Split(CorpusPlan.Train).Select(u => u.Text).ToHashSet();
        Assert.DoesNotContain(corpus.Utterances.Where(u => u.Split != CorpusPlan.Train), u => trainTexts.Contains(u.Text));
        Assert.Equal(3, corpus.Split(CorpusPlan.HeldOutSentence).Count());
        Assert.Equal(2, corpus.Info.Splits[CorpusPlan.HeldOutSpeaker].Utterances);
        Assert.Contains("sox", corpus.Info.Engines.Keys);
        Assert.Empty(Directory.GetFiles(a.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(a.Path, ".work")));

        // a second build elsewhere: the same bytes
        Build(b.Path);
        var filesA = Files(a.Path);
        Assert.Equal(filesA.Keys.Order(), Files(b.Path).Keys.Order());
        foreach (var (name, bytes) in Files(b.Path)) Assert.True(filesA[name].SequenceEqual(bytes), $"{name} differs between two builds");

        // delete one WAV (and damage another): a rerun speaks those two again, identically, and leaves the rest alone
        string lost = corpus.WavPath(corpus.Utterances[3]), damaged = corpus.WavPath(corpus.Utterances[6]);
        File.Delete(lost);
        File.WriteAllBytes(damaged, filesA[Path.GetRelativePath(a.Path, damaged)][..30]);
        var stamps = corpus.Utterances.Select(corpus.WavPath).Where(p => p != lost && p != damaged).ToDictionary(p => p, File.GetLastWriteTimeUtc);
        var resumed = Build(a.Path);
        Assert.Equal((2, 6), (resumed.Rendered, resumed.Reused));
        foreach (var (name, bytes) in Files(a.Path)) Assert.True(filesA[name].SequenceEqual(bytes), $"{name} differs after resuming");
        foreach (var (path, stamp) in stamps) Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [SpeechToolsInstalledFact]
    public void FolderOfAnotherPlanIsRefused()
    {
        using var dir = new TempDirectory();
        var one = new[] { Speakers[0] };
        SpeechCorpusBuilder.Build(dir.Path, Options with { TrainSpeakers = 1, HeldOutSpeakers = 0, PerSpeaker = 1 }, Pool, one);
        var e = Assert.Throws<UserErrorException>(() => SpeechCorpusBuilder.Build(dir.Path, Options with { TrainSpeakers = 1, HeldOutSpeakers = 0, PerSpeaker = 1, Seed = 99 }, Pool, one));
        Assert.Contains("other options", e.Message);
    }

    [Fact]
    public void MissingOrDamagedCorpusIsOneSentence()
    {
        using var dir = new TempDirectory();
        Assert.Contains("does not exist", Assert.Throws<UserErrorException>(() => SpeechCorpus.Load(dir.File("none"))).Message);
        Assert.Contains("corpus.json is missing", Assert.Throws<UserErrorException>(() => SpeechCorpus.Load(dir.Path)).Message);
        File.WriteAllText(dir.File("corpus.json"), "{ not json");
        Assert.Contains("damaged", Assert.Throws<UserErrorException>(() => SpeechCorpus.Load(dir.Path)).Message);
    }

    [SpeechToolsInstalledFact]
    public void DamagedManifestIsOneSentence()
    {
        using var dir = new TempDirectory();
        SpeechCorpusBuilder.Build(dir.Path, Options with { TrainSpeakers = 1, HeldOutSpeakers = 0, PerSpeaker = 2 }, Pool, [Speakers[0]]);
        string manifest = dir.File("manifest.jsonl");
        var lines = File.ReadAllLines(manifest);
        File.WriteAllLines(manifest, [lines[0]]);
        Assert.Contains("lists 1 utterances but corpus.json counts 2", Assert.Throws<UserErrorException>(() => SpeechCorpus.Load(dir.Path)).Message);
        File.WriteAllLines(manifest, [lines[0], lines[1][..40]]);
        Assert.Contains("line 2", Assert.Throws<UserErrorException>(() => SpeechCorpus.Load(dir.Path)).Message);
        File.Delete(manifest);
        Assert.Contains("missing", Assert.Throws<UserErrorException>(() => SpeechCorpus.Load(dir.Path)).Message);
    }
}
