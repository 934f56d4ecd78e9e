using System.Buffers.Binary;
using System.Globalization;
using NAudio.Wave;
using ResGen.IO;

namespace ResGen.Audio;

/// <summary>
/// Reads WAV files of any PCM or floating-point format (8/16/24/32-bit integer, 32/64-bit float, any
/// channel count; NAudio parses the header) as one channel of float samples, and writes 16-bit PCM
/// mono WAV files atomically with a fixed 44-byte header, so the same samples always give the same bytes.
/// </summary>
public static class WavFile
{
    /// <summary>The project's sample rate for speech.</summary>
    public const int SpeechRate = 16_000;

    /// <summary>Files longer than this are refused as not speech (default of <see cref="Read"/>).</summary>
    public const double MaxSeconds = 600;

    /// <summary>
    /// Reads <paramref name="path"/>; channels are averaged into one. A missing, empty, non-WAV or
    /// corrupt file, one with no samples or one longer than <paramref name="maxSeconds"/> is one sentence;
    /// so are a file shorter than its header says (a cut-off copy) and NaN or infinite samples.
    /// </summary>
    public static MonoAudio Read(string path, double maxSeconds = MaxSeconds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) throw new UserErrorException($"'{path}' is a folder, not a WAV file.");
        if (!File.Exists(path)) throw new UserErrorException($"WAV file '{path}' does not exist.");
        if (new FileInfo(path).Length == 0) throw new UserErrorException($"WAV file '{path}' is empty (0 bytes).");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            // NAudio quietly shortens a data chunk to what the file holds: compare the header's own size first
            if (DataChunk(file) is { Declared: var declared, Start: var start } && declared > file.Length - start)
                throw new UserErrorException(string.Create(CultureInfo.InvariantCulture,
                    $"WAV file '{path}' is truncated: its header announces {declared:N0} bytes of audio but the file holds {Math.Max(0, file.Length - start):N0} (a cut-off copy?)."));
            file.Position = 0;
            using var reader = new WaveFileReader(file);
            var format = reader.WaveFormat;
            int channels = format.Channels;
            if (channels < 1 || format.SampleRate is < 1 or > 768_000)
                throw new UserErrorException($"WAV file '{path}' has a corrupt header ({channels} channels at {format.SampleRate} Hz).");
            long frames = reader.Length / Math.Max(1, format.BlockAlign);
            if (frames == 0) throw new UserErrorException($"WAV file '{path}' holds no audio (0 samples).");
            double seconds = (double)frames / format.SampleRate;
            if (seconds > maxSeconds)
                throw new UserErrorException($"WAV file '{path}' is {seconds:0.#} s long; at most {maxSeconds:0.#} s is read (is it really one utterance?).");

            var provider = reader.ToSampleProvider();
            var mono = new float[frames];
            var buffer = new float[4096 * channels];
            long frame = 0;
            int read;
            while (frame < frames && (read = provider.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, (frames - frame) * channels)))) > 0)
            {
                for (int i = 0; i + channels <= read; i += channels)
                {
                    float sum = 0;
                    for (int c = 0; c < channels; c++) sum += buffer[i + c];
                    mono[frame++] = channels == 1 ? sum : sum / channels;
                }
            }
            if (frame == 0) throw new UserErrorException($"WAV file '{path}' holds no audio (0 samples).");
            if (frame != frames)
                throw new UserErrorException($"WAV file '{path}' is truncated: its header announces {frames:N0} samples but {frame:N0} could be read.");
            int bad = Array.FindIndex(mono, x => !float.IsFinite(x));
            if (bad >= 0)
                throw new UserErrorException(string.Create(CultureInfo.InvariantCulture,
                    $"WAV file '{path}' holds a {(float.IsNaN(mono[bad]) ? "NaN" : "infinite")} sample at {(double)bad / format.SampleRate:0.000} s; it is not audio that can be read."));
            return new MonoAudio(mono, format.SampleRate);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new UserErrorException($"'{path}' is not a readable WAV file ({e.Message.TrimEnd('.')}).", e);
        }
    }

    /// <summary>
    /// The size a RIFF/WAVE header gives its data chunk and where the chunk's bytes start; null where
    /// the header is not a plain one (RF64, a streamed file's 0 or 0xFFFFFFFF placeholder, no data chunk
    /// before the end), which NAudio then judges on its own.
    /// </summary>
    static (long Declared, long Start)? DataChunk(Stream stream)
    {
        Span<byte> head = stackalloc byte[12];
        if (stream.Read(head) < 12 || !head[..4].SequenceEqual("RIFF"u8) || !head[8..12].SequenceEqual("WAVE"u8)) return null;
        Span<byte> chunk = stackalloc byte[8];
        while (stream.Read(chunk) == 8)
        {
            long size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (chunk[..4].SequenceEqual("data"u8)) return size is 0 or uint.MaxValue ? null : (size, stream.Position);
            if (stream.Position + size + (size & 1) > stream.Length) return null;
            stream.Position += size + (size & 1);   // chunks are padded to an even size
        }
        return null;
    }

    /// <summary>Reads <paramref name="path"/> and resamples it to <paramref name="sampleRate"/> when it has another rate.</summary>
    public static MonoAudio Read(string path, int sampleRate, double maxSeconds = MaxSeconds)
    {
        var audio = Read(path, maxSeconds);
        return audio.SampleRate == sampleRate ? audio : Resampler.Resample(audio, sampleRate);
    }

    /// <summary>
    /// Writes <paramref name="audio"/> as 16-bit PCM mono (samples clipped to [-1, 1], rounded to the
    /// nearest step of 1/32767) through a temporary file that is renamed into place.
    /// </summary>
    public static void Write(string path, MonoAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        AtomicFile.Write(path, stream => WriteTo(stream, audio));
    }

    /// <summary>The bytes <see cref="Write"/> puts in a file.</summary>
    public static byte[] Encode(MonoAudio audio)
    {
        using var memory = new MemoryStream();
        WriteTo(memory, audio);
        return memory.ToArray();
    }

    static void WriteTo(Stream stream, MonoAudio audio)
    {
        if (audio.SampleRate < 1) throw new ArgumentException($"the sample rate must be positive, got {audio.SampleRate}.", nameof(audio));
        long dataBytes = 2L * audio.Samples.Length;
        if (dataBytes > int.MaxValue - 36) throw new ArgumentException($"{audio.Samples.Length} samples do not fit in one WAV file.", nameof(audio));
        var bytes = new byte[44 + dataBytes];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], (int)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1); // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], audio.SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], audio.SampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], (int)dataBytes);
        for (int i = 0; i < audio.Samples.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + 2 * i)..], ToPcm16(audio.Samples[i]));
        stream.Write(bytes);
    }

    static short ToPcm16(float x)
    {
        if (float.IsNaN(x)) return 0;
        return (short)Math.Round(Math.Clamp(x, -1f, 1f) * 32767f, MidpointRounding.AwayFromZero);
    }
}
