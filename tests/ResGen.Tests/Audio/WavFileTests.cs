using NAudio.Wave;
using ResGen.Audio;

namespace ResGen.Tests.Audio;

public sealed class WavFileTests
{
    static float[] Sine(double hz, int rate, int count, double amplitude = 0.5)
        => [.. Enumerable.Range(0, count).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / rate)))];

    static void WriteWith(string path, WaveFormat format, float[] interleaved)
    {
        using var writer = new WaveFileWriter(path, format);
        writer.WriteSamples(interleaved, 0, interleaved.Length);
    }

    [Fact]
    public void RoundTripKeepsSamplesWithinOneStep()
    {
        using var dir = new TempDirectory();
        var audio = new MonoAudio([0f, 0.25f, -0.5f, 1f, -1f, 1.5f, .. Sine(440, 16_000, 1000)], 16_000);
        WavFile.Write(dir.File("a.wav"), audio);
        var back = WavFile.Read(dir.File("a.wav"));
        Assert.Equal(16_000, back.SampleRate);
        Assert.Equal(audio.Samples.Length, back.Samples.Length);
        for (int i = 0; i < audio.Samples.Length; i++)
            Assert.InRange(back.Samples[i] - Math.Clamp(audio.Samples[i], -1f, 1f), -1.1f / 32767, 1.1f / 32767);
        Assert.Equal(44 + 2 * audio.Samples.Length, new FileInfo(dir.File("a.wav")).Length);
        // the same samples give the same bytes
        Assert.Equal(File.ReadAllBytes(dir.File("a.wav")), WavFile.Encode(audio));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void ReadsPcmOfAnyWidthAndMixesStereoToMono(int bits)
    {
        using var dir = new TempDirectory();
        var left = Sine(300, 22_050, 2205, 0.6);
        var interleaved = new float[left.Length * 2];
        for (int i = 0; i < left.Length; i++) { interleaved[2 * i] = left[i]; interleaved[2 * i + 1] = 0.2f; }
        WriteWith(dir.File("s.wav"), new WaveFormat(22_050, bits, 2), interleaved);
        var mono = WavFile.Read(dir.File("s.wav"));
        Assert.Equal(22_050, mono.SampleRate);
        Assert.Equal(left.Length, mono.Samples.Length);
        for (int i = 0; i < left.Length; i++) Assert.InRange(mono.Samples[i] - (left[i] + 0.2f) / 2, -1e-3f, 1e-3f);
    }

    [Fact]
    public void ReadsFloatWav()
    {
        using var dir = new TempDirectory();
        var samples = Sine(1000, 48_000, 480);
        WriteWith(dir.File("f.wav"), WaveFormat.CreateIeeeFloatWaveFormat(48_000, 1), samples);
        var audio = WavFile.Read(dir.File("f.wav"));
        Assert.Equal(samples, audio.Samples);
    }

    [Fact]
    public void ReadResampledGivesTheAskedRate()
    {
        using var dir = new TempDirectory();
        WavFile.Write(dir.File("a.wav"), new MonoAudio(Sine(200, 22_050, 22_050), 22_050));
        var audio = WavFile.Read(dir.File("a.wav"), WavFile.SpeechRate);
        Assert.Equal(16_000, audio.SampleRate);
        Assert.Equal(16_000, audio.Samples.Length);
    }

    [Fact]
    public void BadFilesAreOneSentence()
    {
        using var dir = new TempDirectory();
        Assert.Contains("does not exist", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("missing.wav"))).Message);
        Assert.Contains("folder", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.Path)).Message);

        File.WriteAllBytes(dir.File("empty.wav"), []);
        Assert.Contains("empty", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("empty.wav"))).Message);

        File.WriteAllText(dir.File("text.wav"), "this is not a wave file at all, just some text");
        Assert.Contains("not a readable WAV", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("text.wav"))).Message);

        var good = WavFile.Encode(new MonoAudio(Sine(440, 16_000, 100), 16_000));
        File.WriteAllBytes(dir.File("truncated.wav"), good[..30]);
        Assert.Contains("not a readable WAV", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("truncated.wav"))).Message);

        WavFile.Write(dir.File("zero.wav"), new MonoAudio([], 16_000));
        Assert.Contains("no audio", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("zero.wav"))).Message);

        // longer than the limit (a real 601 s file, 8-bit at 1 kHz to keep it small); and a lower limit
        using (var writer = new NAudio.Wave.WaveFileWriter(dir.File("long.wav"), new NAudio.Wave.WaveFormat(1000, 8, 1)))
            writer.Write(new byte[601_000], 0, 601_000);
        Assert.Contains("601 s long", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("long.wav"))).Message);
        WavFile.Write(dir.File("second.wav"), new MonoAudio(Sine(440, 16_000, 16_000), 16_000));
        Assert.Contains("at most 0.5 s", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("second.wav"), maxSeconds: 0.5)).Message);
    }

    [Fact]
    public void AFileShorterThanItsHeaderIsTruncated()
    {
        using var dir = new TempDirectory();
        var good = WavFile.Encode(new MonoAudio(Sine(440, 16_000, 16_000), 16_000));
        // header says 32 000 bytes of audio, the file holds a quarter of them
        File.WriteAllBytes(dir.File("cut.wav"), good[..(44 + 8000)]);
        var e = Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("cut.wav")));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("32,000", e.Message);

        // a huge header over a tiny file: the same sentence, not a 74,565 s duration
        var huge = good[..(44 + 200)];
        BitConverter.TryWriteBytes(huge.AsSpan(40, 4), 0x7FFF_FFF0);
        File.WriteAllBytes(dir.File("huge.wav"), huge);
        Assert.Contains("truncated", Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("huge.wav"))).Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "infinite")]
    [InlineData(float.NegativeInfinity, "infinite")]
    public void NonFiniteSamplesAreRefused(float value, string word)
    {
        using var dir = new TempDirectory();
        var samples = Sine(1000, 16_000, 1600);
        samples[800] = value;
        WriteWith(dir.File("f.wav"), WaveFormat.CreateIeeeFloatWaveFormat(16_000, 1), samples);
        var e = Assert.Throws<UserErrorException>(() => WavFile.Read(dir.File("f.wav")));
        Assert.Contains(word, e.Message);
        Assert.Contains("0.050 s", e.Message);
    }
}
