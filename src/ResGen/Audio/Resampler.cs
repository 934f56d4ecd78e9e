using NAudio.Wave;
using NAudio.Wave.SampleProviders;

namespace ResGen.Audio;

/// <summary>
/// Sample-rate conversion with NAudio's WDL resampler (windowed-sinc interpolation with an
/// anti-aliasing low-pass when going down). The output has round(n · to / from) samples.
/// </summary>
public static class Resampler
{
    /// <summary>Returns <paramref name="audio"/> at <paramref name="sampleRate"/> (itself when the rate already matches).</summary>
    public static MonoAudio Resample(MonoAudio audio, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (sampleRate < 1) throw new ArgumentOutOfRangeException(nameof(sampleRate), $"the target sample rate must be positive, got {sampleRate}.");
        if (audio.SampleRate == sampleRate) return audio;
        int expected = (int)Math.Round((double)audio.Samples.Length * sampleRate / audio.SampleRate);
        var resampler = new WdlResamplingSampleProvider(new ArraySource(audio), sampleRate);
        var output = new float[expected];
        int done = 0, read;
        var scratch = new float[4096];
        while (done < expected && (read = resampler.Read(scratch)) > 0)
        {
            int take = Math.Min(read, expected - done);
            scratch.AsSpan(0, take).CopyTo(output.AsSpan(done));
            done += take;
        }
        // the resampler may stop a few samples short at the end: those stay silent
        return new MonoAudio(output, sampleRate);
    }

    /// <summary>Feeds an array to NAudio as a mono float source.</summary>
    sealed class ArraySource(MonoAudio audio) : ISampleProvider
    {
        int position;

        public WaveFormat WaveFormat { get; } = WaveFormat.CreateIeeeFloatWaveFormat(audio.SampleRate, 1);

        public int Read(Span<float> buffer)
        {
            int n = Math.Min(buffer.Length, audio.Samples.Length - position);
            audio.Samples.AsSpan(position, n).CopyTo(buffer);
            position += n;
            return n;
        }
    }
}
