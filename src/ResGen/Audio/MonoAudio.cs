namespace ResGen.Audio;

/// <summary>One channel of audio: samples in [-1, 1] at a sample rate.</summary>
/// <param name="Samples">The samples, nominally in [-1, 1].</param>
/// <param name="SampleRate">Samples per second.</param>
public sealed record MonoAudio(float[] Samples, int SampleRate)
{
    /// <summary>The length in seconds.</summary>
    public double Seconds => (double)Samples.Length / SampleRate;
}
