using System.Buffers.Binary;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// Turns the WAV files handed to <see cref="SpeechRecognizer"/> into the headerless 16-bit PCM
/// that pocketsphinx_batch reads with <c>-adcin yes</c>. Going through raw files rather than
/// letting pocketsphinx skip a fixed 44-byte header keeps WAV files with extra chunks (LIST, fact)
/// or an odd header size from being decoded as noise, and checks the format on the way.
/// </summary>
internal static class RecognizerAudio
{
    /// <summary>The sample rate the en-us acoustic model expects.</summary>
    public const int SampleRate = 16000;

    /// <summary>
    /// Copies the samples of <paramref name="wavPath"/> (RIFF/WAVE, PCM, mono, 16-bit, 16 kHz) to
    /// <paramref name="rawPath"/> as little-endian 16-bit PCM; returns the duration in seconds.
    /// </summary>
    /// <exception cref="UserErrorException">The file is missing, unreadable, not such a WAV file, or cut short.</exception>
    public static double CopyToRaw(string wavPath, string rawPath)
    {
        try
        {
            using var input = File.OpenRead(wavPath);
            var header = new byte[12];
            if (input.ReadAtLeast(header, 12, throwOnEndOfStream: false) < 12 ||
                !header.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !header.AsSpan(8, 4).SequenceEqual("WAVE"u8))
                throw Bad(wavPath, "is not a RIFF/WAVE file");

            bool formatSeen = false;
            var chunk = new byte[8];
            while (input.ReadAtLeast(chunk, 8, throwOnEndOfStream: false) == 8)
            {
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
                if (chunk.AsSpan(0, 4).SequenceEqual("fmt "u8))
                {
                    if (size < 16) throw Bad(wavPath, $"has a {size}-byte format chunk (at least 16 expected)");
                    var fmt = new byte[size];
                    input.ReadExactly(fmt);
                    CheckFormat(wavPath, fmt);
                    formatSeen = true;
                    if ((size & 1) == 1) input.Seek(1, SeekOrigin.Current);
                }
                else if (chunk.AsSpan(0, 4).SequenceEqual("data"u8))
                {
                    if (!formatSeen) throw Bad(wavPath, "has its data chunk before the format chunk");
                    // a size of 0 or past the end (streamed writers) means: up to the end of the file
                    long available = input.Length - input.Position;
                    long bytes = size == 0 || size > available ? available : size;
                    bytes &= ~1L;
                    using var output = File.Create(rawPath);
                    CopyBytes(input, output, bytes);
                    return bytes / 2 / (double)SampleRate;
                }
                else input.Seek(size + (size & 1), SeekOrigin.Current);
            }

            throw Bad(wavPath, "has no data chunk");
        }
        catch (EndOfStreamException e)
        {
            throw new UserErrorException($"The WAV file '{wavPath}' is cut short inside a chunk header.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"Cannot read the WAV file '{wavPath}' ({e.Message}).", e);
        }
    }

    static void CheckFormat(string path, byte[] fmt)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
        int rate = BinaryPrimitives.ReadInt32LittleEndian(fmt.AsSpan(4));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));
        // 0xFFFE (WAVE_FORMAT_EXTENSIBLE) carries PCM as its sub-format; its bit depth is still at byte 14
        if (tag != 1 && tag != 0xFFFE) throw Bad(path, $"is not PCM (format tag {tag})");
        if (channels != 1 || rate != SampleRate || bits != 16)
            throw Bad(path, $"has {channels} channel(s) at {rate} Hz and {bits} bits; the recognizer needs mono 16-bit at {SampleRate} Hz (e.g. sox in.wav -r 16000 -c 1 -b 16 out.wav)");
    }

    static void CopyBytes(Stream input, Stream output, long bytes)
    {
        var buffer = new byte[1 << 16];
        while (bytes > 0)
        {
            int n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, bytes));
            if (n == 0) break;
            output.Write(buffer, 0, n);
            bytes -= n;
        }
    }

    static UserErrorException Bad(string path, string what) => new($"The WAV file '{path}' {what}.");
}
