using System.Buffers.Binary;
using System.IO.Compression;

namespace ResGen.Tests.Data;

/// <summary>Writes small synthetic IDX files (gzip or raw) for reader tests.</summary>
internal static class IdxWriter
{
    public static byte[] Raw(int[] shape, byte[] data, uint? magic = null)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic ?? (0x0800u | (uint)shape.Length));
        for (int i = 0; i < shape.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), shape[i]);
        }
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        return memory.ToArray();
    }

    /// <summary>Writes a split named <paramref name="prefix"/> ("train" or "t10k") into <paramref name="dir"/>.</summary>
    public static void WriteSplit(string dir, string prefix, int count, int height, int width, Func<int, byte>? label = null)
    {
        var pixels = new byte[count * height * width];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7 % 256);
        }
        var labels = Enumerable.Range(0, count).Select(i => label?.Invoke(i) ?? (byte)(i % 10)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), Gzip(Raw([count, height, width], pixels)));
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), Gzip(Raw([count], labels)));
    }
}
