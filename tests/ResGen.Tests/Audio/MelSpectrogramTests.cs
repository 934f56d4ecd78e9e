using ResGen.Audio;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Audio;

[Collection(TorchCollection.Name)]
public sealed class MelSpectrogramTests
{
    static readonly MelConfig Config = new();

    [Theory]
    [InlineData(0, 1)]
    [InlineData(199, 1)]
    [InlineData(200, 2)]
    [InlineData(16000, 81)]
    [InlineData(16123, 81)]
    public void FrameCountFollowsTheFormula(long samples, long frames)
    {
        Assert.Equal(frames, Config.Frames(samples));
        using var mel = new MelSpectrogram(Config);
        var x = TestSignals.Noise(samples / (double)TestSignals.Rate, 0.1, 1);
        Assert.Equal(new[] { 80L, frames }, mel.FromWaveform(x).shape);
        Assert.Equal(new[] { 3L, 80, frames }, mel.FromWaveform(torch.stack([x, x, x])).shape);
        if (frames > 1) Assert.Equal(frames, Config.Frames(Config.Samples(frames)));
    }

    [Fact]
    public void ASineLightsTheBandAroundItsFrequency()
    {
        using var mel = new MelSpectrogram(Config);
        var m = mel.FromWaveform(TestSignals.Sine(1000, 0.5));
        long peak = m[.., 20].argmax().item<long>();                    // a frame in the middle
        var centres = Enumerable.Range(1, 80).Select(i => MelFilterbank.MelToHz(MelFilterbank.HzToMel(8000) * i / 81)).ToArray();
        long nearest = Array.IndexOf(centres, centres.MinBy(c => Math.Abs(c - 1000)));
        Assert.InRange(peak, nearest - 1, nearest + 1);
    }

    [Fact]
    public void SilenceSitsAtTheFloor()
    {
        using var mel = new MelSpectrogram(Config);
        var m = mel.FromWaveform(torch.zeros(4000));
        Assert.True((m - Math.Log(Config.LogFloor)).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void AZeroPaddedBatchGivesEachExampleItsOwnFrames()
    {
        using var mel = new MelSpectrogram(Config);
        var a = TestSignals.Vowel(0.7);
        var b = TestSignals.Vowel(0.45, voice: 1);
        var padded = nn.functional.pad(b, [0, a.shape[0] - b.shape[0]]);
        var batch = mel.FromWaveform(torch.stack([a, padded]));
        long fb = Config.Frames(b.shape[0]);
        Assert.True(TensorAssert.MaxDiff(batch[0], mel.FromWaveform(a)) < 1e-4);
        Assert.True(TensorAssert.MaxDiff(batch[1, .., ..(int)fb], mel.FromWaveform(b)) < 1e-4);
    }

    [Fact]
    public void TheSlaneyScaleIsLinearBelowOneKilohertz()
    {
        Assert.Equal(15.0, MelFilterbank.HzToMel(1000), 10);
        Assert.Equal(7.5, MelFilterbank.HzToMel(500), 10);
        foreach (double hz in new[] { 0.0, 440, 999, 1000, 3000, 8000 })
            Assert.Equal(hz, MelFilterbank.MelToHz(MelFilterbank.HzToMel(hz)), 6);
        Assert.Empty(MelFilterbank.EmptyBands(Config));
        // a finer filterbank than the FFT resolves leaves bands empty
        Assert.NotEmpty(MelFilterbank.EmptyBands(Config with { NFft = 128, WinLength = 128, HopLength = 32, MelBins = 80 }));
    }

    [Fact]
    public void NormalisationIsInvertible()
    {
        var x = torch.linspace(-11, 2, 50);
        Assert.True(TensorAssert.MaxDiff(MelSpectrogram.Denormalize(MelSpectrogram.Normalize(x, Config), Config), x) < 1e-5);
    }

    [Fact]
    public void ConfigRejectsInconsistentValues()
    {
        var e = Assert.Throws<UserErrorException>(() => (Config with { HopLength = 900 }).Validate());
        Assert.Contains("900", e.Message);
        Assert.Throws<UserErrorException>(() => (Config with { NFft = 1023 }).Validate());
        Assert.Throws<UserErrorException>(() => (Config with { WinLength = 2048 }).Validate());
        Assert.Throws<UserErrorException>(() => (Config with { FMax = 9000 }).Validate());
        Assert.Throws<UserErrorException>(() => (Config with { Std = 0 }).Validate());
        Assert.Throws<UserErrorException>(() => (Config with { LogFloor = 0 }).Validate());
    }
}
