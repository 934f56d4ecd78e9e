using ResGen.Data.Speech;

namespace ResGen.Tests.Data.Speech;

public sealed class SpeakerPlanTests
{
    [Fact]
    public void DefaultPlanHasDistinctSpeakersAndFestivalInBothSplits()
    {
        var speakers = SpeakerPlan.Create(60, 12, seed: 0);
        Assert.Equal(72, speakers.Count);
        Assert.Equal(60, speakers.Count(s => !s.HeldOut));
        Assert.Equal([.. Enumerable.Range(0, 72).Select(i => $"s{i:000}")], speakers.Select(s => s.Id));
        Assert.Equal(72, speakers.Select(s => s.Description).Distinct().Count());
        Assert.Equal(15, speakers.Count(s => !s.HeldOut && s.Engine == SpeakerSpec.Festival));
        Assert.Equal(3, speakers.Count(s => s.HeldOut && s.Engine == SpeakerSpec.Festival));
        // every Festival voice in both splits
        foreach (var voice in SpeakerPlan.FestivalVoices)
        {
            Assert.Contains(speakers, s => !s.HeldOut && s.Voice == voice);
            Assert.Contains(speakers, s => s.HeldOut && s.Voice == voice);
        }
        // held-out espeak-ng speakers have variants no training speaker has
        var trainVariants = speakers.Where(s => !s.HeldOut && s.Variant is not null).Select(s => s.Variant).ToHashSet();
        Assert.All(speakers.Where(s => s.HeldOut && s.Variant is not null), s => Assert.DoesNotContain(s.Variant, trainVariants));
        // and at least six accents among the training speakers
        Assert.True(speakers.Where(s => !s.HeldOut && s.Engine == SpeakerSpec.Espeak).Select(s => s.Voice).Distinct().Count() >= 6);
    }

    [Fact]
    public void SameSeedSamePlanOtherSeedOtherPlan()
    {
        Assert.Equal(SpeakerPlan.Create(20, 5, 7), SpeakerPlan.Create(20, 5, 7));
        Assert.NotEqual(SpeakerPlan.Create(20, 5, 7).Select(s => s.Description), SpeakerPlan.Create(20, 5, 8).Select(s => s.Description));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 1)]
    [InlineData(900, 100)]
    public void AnySizeWorks(int train, int heldOut)
    {
        var speakers = SpeakerPlan.Create(train, heldOut, 1);
        Assert.Equal(train + heldOut, speakers.Count);
        Assert.Equal(heldOut, speakers.Count(s => s.HeldOut));
        Assert.Equal(speakers.Count, speakers.Select(s => s.Description).Distinct().Count());
    }

    [Fact]
    public void SplitsAreDisjointBySpeakerAndSentence()
    {
        var pool = Enumerable.Range(0, 200).Select(i => new PoolSentence($"Sentence number {i} is here.", "test")).ToList();
        var speakers = SpeakerPlan.Create(10, 3, 5);
        var plan = CorpusPlan.Create(pool, speakers, perSpeaker: 10, heldOutShare: 0.2, seed: 5);
        Assert.Equal(130, plan.Count);
        Assert.Equal(plan.Count, plan.Select(u => u.Id).Distinct().Count());
        var train = plan.Where(u => u.Split == CorpusPlan.Train).ToList();
        var heldSentence = plan.Where(u => u.Split == CorpusPlan.HeldOutSentence).ToList();
        var heldSpeaker = plan.Where(u => u.Split == CorpusPlan.HeldOutSpeaker).ToList();
        Assert.Equal(80, train.Count);
        Assert.Equal(20, heldSentence.Count);
        Assert.Equal(30, heldSpeaker.Count);
        Assert.Empty(train.Select(u => u.Speaker.Id).Intersect(heldSpeaker.Select(u => u.Speaker.Id)));
        var trainTexts = train.Select(u => u.Sentence.Text).ToHashSet();
        Assert.DoesNotContain(heldSentence.Concat(heldSpeaker), u => trainTexts.Contains(u.Sentence.Text));
        // 80 training utterances from 160 training sentences: no sentence said twice
        Assert.Equal(80, trainTexts.Count);
        Assert.Equal(plan, CorpusPlan.Create(pool, speakers, 10, 0.2, 5));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    [InlineData(-0.5)]
    public void BadHeldOutShareIsOneSentence(double share)
        => Assert.Contains("strictly between 0 and 1", Assert.Throws<UserErrorException>(() => CorpusPlan.SplitSentences([new("A b c d e.", "x"), new("F g h i j.", "x")], share, 0)).Message);

    [Fact]
    public void MissingEnginesNameTheirPackages()
    {
        using var dir = new TempDirectory();
        var speakers = SpeakerPlan.Create(8, 0, 0);
        Assert.Contains("apt-get install espeak-ng", Assert.Throws<UserErrorException>(() => SpeechEngines.CheckInstalled(speakers, searchPath: dir.Path)).Message);
        // espeak-ng present, festival not
        File.WriteAllText(dir.File("espeak-ng"), "");
        var e = Assert.Throws<UserErrorException>(() => SpeechEngines.CheckInstalled(speakers, searchPath: dir.Path));
        Assert.Contains("festival festvox-", e.Message);
        // festival present, a voice folder missing
        File.WriteAllText(dir.File("festival"), "");
        Directory.CreateDirectory(dir.File("voices/english/kal_diphone"));
        e = Assert.Throws<UserErrorException>(() => SpeechEngines.CheckInstalled(speakers, dir.Path, dir.File("voices")));
        Assert.Contains("festvox-kdlpc16k", e.Message);
        Assert.DoesNotContain("festvox-kallpc16k", e.Message);
    }
}
