using System.Buffers.Binary;
using System.Text;

namespace ResGen.Tests.Evaluation.Speech;

/// <summary>Writes small PCM WAV files for recognizer tests (16-bit samples, optional extra chunk before the data).</summary>
public static class TestWav
{
    public static void Write(string path, short[] samples, int sampleRate = 16000, int channels = 1, bool listChunk = false)
    {
        using var stream = File.Create(path);
        using var w = new BinaryWriter(stream, Encoding.ASCII);
        byte[] list = listChunk ? Encoding.ASCII.GetBytes("INFOISFT\x05\0\0\0test\0\0") : [];
        int dataBytes = samples.Length * 2;
        w.Write("RIFF"u8);
        w.Write(4 + 8 + 16 + (listChunk ? 8 + list.Length : 0) + 8 + dataBytes);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)channels);
        w.Write(sampleRate);
        w.Write(sampleRate * channels * 2);
        w.Write((short)(channels * 2));
        w.Write((short)16);
        if (listChunk)
        {
            w.Write("LIST"u8);
            w.Write(list.Length);
            w.Write(list);
        }

        w.Write("data"u8);
        w.Write(dataBytes);
        foreach (var s in samples) w.Write(s);
    }

    /// <summary>Uniform white noise of the given length and peak amplitude, from a fixed seed.</summary>
    public static short[] Noise(int count, int peak, int seed)
    {
        var rng = new Random(seed);
        var samples = new short[count];
        for (int i = 0; i < count; i++) samples[i] = (short)rng.Next(-peak, peak + 1);
        return samples;
    }

    /// <summary>The samples of a headerless little-endian 16-bit PCM file.</summary>
    public static short[] ReadRaw(string rawPath)
    {
        var bytes = File.ReadAllBytes(rawPath);
        var samples = new short[bytes.Length / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i));
        return samples;
    }
}
