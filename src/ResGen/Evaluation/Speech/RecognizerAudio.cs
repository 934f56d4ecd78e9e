using ResGen.Audio;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// Turns the WAV files handed to <see cref="SpeechRecognizer"/> into the headerless 16-bit PCM at
/// 16 kHz that pocketsphinx_batch reads with <c>-adcin yes</c>. Reading through <see cref="WavFile"/>
/// rather than letting pocketsphinx skip a fixed 44-byte header keeps files with extra chunks (LIST,
/// fact) from being decoded as noise, and takes any WAV format: several channels are averaged and
/// another rate is resampled to 16 kHz. A 16 kHz mono 16-bit file passes through sample for sample.
/// </summary>
internal static class RecognizerAudio
{
    /// <summary>The sample rate the en-us acoustic model expects.</summary>
    public const int SampleRate = WavFile.SpeechRate;

    /// <summary>Writes the samples of <paramref name="wavPath"/> to <paramref name="rawPath"/> as little-endian 16-bit PCM at 16 kHz; returns the duration in seconds.</summary>
    /// <exception cref="UserErrorException">The file is missing, empty, not a WAV file or corrupt.</exception>
    public static double CopyToRaw(string wavPath, string rawPath)
    {
        var audio = WavFile.Read(wavPath, SampleRate);
        var bytes = new byte[2 * audio.Samples.Length];
        for (int i = 0; i < audio.Samples.Length; i++)
        {
            // NAudio reads 16-bit sample s as s / 32768, so this gives s back exactly
            int s = (int)Math.Round(audio.Samples[i] * 32768.0);
            short v = (short)Math.Clamp(s, short.MinValue, short.MaxValue);
            bytes[2 * i] = (byte)v;
            bytes[2 * i + 1] = (byte)(v >> 8);
        }

        File.WriteAllBytes(rawPath, bytes);
        return audio.Seconds;
    }
}
