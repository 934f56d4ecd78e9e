using ResGen.Audio;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Audio;

[Collection(TorchCollection.Name)]
public sealed class GriffinLimTests
{
    static readonly MelConfig Config = new();

    /// <summary>Mean absolute log-mel difference (nats) after mel → Griffin-Lim → mel.</summary>
    static double RoundTripL1(Tensor wave, int iterations = GriffinLim.DefaultIterations)
    {
        using var mel = new MelSpectrogram(Config);
        var m = mel.FromWaveform(wave);
        var back = GriffinLim.ToWaveform(m, mel, wave.shape[0], iterations, generator: new Generator(7));
        Assert.Equal(wave.shape, back.shape);
        return (mel.FromWaveform(back) - m).abs().mean().item<float>();
    }

    // Measured (2-core CPU, 64 iterations): vowel 0.11, noise 0.06 nats; the unfilled phase
    // (0 iterations) gives 0.85 and 0.92.
    [Fact]
    public void AVowelSurvivesTheRoundTrip() => Assert.InRange(RoundTripL1(TestSignals.Vowel(1.0)), 0, 0.2);

    [Fact]
    public void NoiseSurvivesTheRoundTrip() => Assert.InRange(RoundTripL1(TestSignals.Noise(1.0, 0.1, 3)), 0, 0.12);

    [Fact]
    public void IterationsAreWhatRecoversThePhase() => Assert.True(RoundTripL1(TestSignals.Vowel(0.5), iterations: 0) > 0.5);

    [Fact]
    public void TheMagnitudeExplainsTheMelsAndIsNonNegative()
    {
        using var mel = new MelSpectrogram(Config);
        var m = mel.FromWaveform(TestSignals.Vowel(0.5));
        var s = GriffinLim.MelToMagnitude(m, mel);
        Assert.Equal(new[] { 513L, m.shape[1] }, s.shape);
        Assert.True(s.min().item<float>() >= 0);
        Assert.True((mel.MagnitudeToLogMel(s) - m).abs().mean().item<float>() < 0.05);
    }

    [Fact]
    public void LengthsFollowTheFramesOrTheCaller()
    {
        using var mel = new MelSpectrogram(Config);
        var m = mel.FromWaveform(torch.stack([TestSignals.Vowel(0.3), TestSignals.Noise(0.3, 0.1, 1)]));
        Assert.Equal(new[] { 2L, Config.Samples(m.shape[2]) }, GriffinLim.ToWaveform(m, mel, iterations: 2).shape);
        Assert.Equal(new[] { 2L, 4850L }, GriffinLim.ToWaveform(m, mel, 4850, iterations: 2).shape);
        Assert.Throws<ArgumentException>(() => GriffinLim.ToWaveform(m, mel, 9000, iterations: 2));
    }

    [Fact]
    public void AGeneratorMakesItReproducible()
    {
        using var mel = new MelSpectrogram(Config);
        var m = mel.FromWaveform(TestSignals.Vowel(0.3));
        var a = GriffinLim.ToWaveform(m, mel, iterations: 4, generator: new Generator(11));
        var b = GriffinLim.ToWaveform(m, mel, iterations: 4, generator: new Generator(11));
        var c = GriffinLim.ToWaveform(m, mel, iterations: 4, generator: new Generator(12));
        TensorAssert.BitEqual(a, b, "the waveform");
        Assert.True(TensorAssert.MaxDiff(a, c) > 1e-3);
    }
}
