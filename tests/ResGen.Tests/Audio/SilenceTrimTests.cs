using ResGen.Audio;

namespace ResGen.Tests.Audio;

public sealed class SilenceTrimTests
{
    [Fact]
    public void KeepsAFixedMarginAroundTheSound()
    {
        // 1 s silence (with faint noise), 0.5 s tone, 2 s silence
        var samples = new float[16_000 * 7 / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = (i % 7 - 3) * 1e-5f;
        for (int i = 16_000; i < 24_000; i++) samples[i] = 0.3f * MathF.Sin(i * 0.2f);
        var trimmed = SilenceTrim.Trim(new MonoAudio(samples, 16_000))!;
        Assert.Equal(8_000 + 2 * 1_600, trimmed.Samples.Length);
        Assert.Equal(samples[(16_000 - 1_600)..(24_000 + 1_600)], trimmed.Samples);
        Assert.Null(SilenceTrim.Trim(new MonoAudio(new float[1000], 16_000)));
    }

    [Fact]
    public void NormalizesThePeak()
    {
        var scaled = SilenceTrim.Normalize(new MonoAudio([0.1f, -0.3f, 0.2f], 16_000));
        Assert.Equal([0.3f, -0.9f, 0.6f], scaled.Samples.Select(v => MathF.Round(v, 5)));
        var silent = new MonoAudio([0f, 0f], 16_000);
        Assert.Same(silent, SilenceTrim.Normalize(silent));
    }
}
