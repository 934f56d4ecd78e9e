using ResGen.Audio;

namespace ResGen.Tests.Audio;

public sealed class ResamplerTests
{
    /// <summary>Frequency from the zero crossings of the middle of a signal (the ends hold filter transients).</summary>
    static double Frequency(MonoAudio audio)
    {
        int from = audio.Samples.Length / 10, to = audio.Samples.Length * 9 / 10, crossings = 0;
        int first = -1, last = -1;
        for (int i = from + 1; i < to; i++)
        {
            if (audio.Samples[i - 1] < 0 && audio.Samples[i] >= 0)
            {
                if (first < 0) first = i;
                last = i;
                crossings++;
            }
        }
        return (crossings - 1) / ((double)(last - first) / audio.SampleRate);
    }

    [Theory]
    [InlineData(22_050, 16_000, 440.0)]
    [InlineData(22_050, 16_000, 3_000.0)]
    [InlineData(16_000, 22_050, 1_000.0)]
    [InlineData(32_000, 16_000, 180.0)]
    public void KeepsTheFrequencyOfASine(int from, int to, double hz)
    {
        var sine = new MonoAudio([.. Enumerable.Range(0, from).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / from)))], from);
        var resampled = Resampler.Resample(sine, to);
        Assert.Equal(to, resampled.SampleRate);
        Assert.Equal(to, resampled.Samples.Length);
        Assert.InRange(Frequency(resampled), hz * 0.995, hz * 1.005);
        // the amplitude survives (a pass-band tone)
        float peak = resampled.Samples[(to / 4)..(3 * to / 4)].Max();
        Assert.InRange(peak, 0.45f, 0.55f);
    }

    [Fact]
    public void RemovesToneAboveTheNewNyquistFrequency()
    {
        // 10 kHz cannot exist at 16 kHz: the anti-aliasing filter must remove it, not fold it to 6 kHz
        var tone = new MonoAudio([.. Enumerable.Range(0, 22_050).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * 10_000 * i / 22_050.0)))], 22_050);
        var resampled = Resampler.Resample(tone, 16_000);
        double rms = Math.Sqrt(resampled.Samples[4000..12000].Average(x => (double)x * x));
        Assert.True(rms < 0.05, $"rms {rms}");
    }

    [Fact]
    public void IsDeterministicAndKeepsTheSameRate()
    {
        var audio = new MonoAudio([.. Enumerable.Range(0, 5000).Select(i => (float)Math.Sin(i * 0.37) * 0.3f)], 22_050);
        Assert.Same(audio, Resampler.Resample(audio, 22_050));
        Assert.Equal(Resampler.Resample(audio, 16_000).Samples, Resampler.Resample(audio, 16_000).Samples);
    }
}
