using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace ResGen.Data;

/// <summary>
/// The on-disk form of a <see cref="TokenCache"/>. All numbers are little-endian:
/// <code>
/// offset  size  field
///      0     8  magic "RGTOKC01" (ASCII)
///      8     4  version (int32, currently 1)
///     12     4  N, items
///     16     4  L, positions per item (= grid height * grid width)
///     20     4  D, depth (codes per position)
///     24     4  K, codebook size (1..65536)
///     28     4  grid height
///     32     4  grid width
///     36     4  number of classes
///     40     4  M, metadata length in bytes
///     44     M  metadata, UTF-8 JSON
///   44+M  2NLD  tokens, uint16, item-major then position then depth
///          4N   labels, int32
/// </code>
/// </summary>
public static class TokenCacheFile
{
    /// <summary>The eight bytes every token cache starts with.</summary>
    public const string Magic = "RGTOKC01";

    /// <summary>The format version this build writes and reads.</summary>
    public const int Version = 1;

    private const int HeaderSize = 44;

    /// <summary>Writes <paramref name="cache"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <param name="path">Destination file.</param>
    /// <param name="cache">The cache.</param>
    public static void Write(string path, TokenCache cache)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(cache);
        byte[] metadata = Encoding.UTF8.GetBytes(cache.Metadata);
        var header = new byte[HeaderSize];
        Encoding.ASCII.GetBytes(Magic, header);
        int[] fields =
        [
            Version, cache.Count, cache.Length, cache.Depth, cache.CodebookSize,
            cache.GridHeight, cache.GridWidth, cache.ClassCount, metadata.Length,
        ];
        for (int i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8 + 4 * i), fields[i]);
        }

        IO.AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            stream.Write(metadata);
            WriteLittleEndian(stream, cache.Tokens);
            WriteLittleEndian(stream, cache.LabelValues);
        });
    }

    /// <summary>Reads and fully validates a token cache file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The cache.</returns>
    /// <exception cref="UserErrorException">The file is missing, not a token cache, of another version, truncated or corrupt.</exception>
    public static TokenCache Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserErrorException($"Token cache '{path}' does not exist; create it by encoding the data set first.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"Token cache '{path}' cannot be read: {ex.Message}", ex);
        }

        if (bytes.Length < Magic.Length || Encoding.ASCII.GetString(bytes, 0, Magic.Length) != Magic)
        {
            throw new UserErrorException($"File '{path}' is not a token cache: it does not start with \"{Magic}\".");
        }
        if (bytes.Length < HeaderSize)
        {
            throw new UserErrorException($"Token cache '{path}' is truncated: it ends inside the {HeaderSize}-byte header.");
        }
        int Field(int i) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8 + 4 * i));
        int version = Field(0);
        if (version != Version)
        {
            throw new UserErrorException(
                $"Token cache '{path}' has format version {version}, but this build reads only version {Version}; re-create the cache.");
        }
        int n = Field(1), l = Field(2), d = Field(3), k = Field(4), gridH = Field(5), gridW = Field(6), classes = Field(7), metaLength = Field(8);
        if (n < 0 || l < 1 || d < 1 || k is < 1 or > 65536 || gridH < 1 || gridW < 1 || (long)gridH * gridW != l
            || classes < 1 || metaLength < 0)
        {
            throw new UserErrorException(
                $"Token cache '{path}' has an inconsistent header (N={n}, L={l}, D={d}, K={k}, grid={gridH}x{gridW}, " +
                $"classes={classes}, metadata={metaLength} bytes).");
        }

        long tokenCount = (long)n * l * d;
        long expected = HeaderSize + (long)metaLength + tokenCount * 2 + (long)n * 4;
        if (bytes.LongLength < expected)
        {
            throw new UserErrorException(
                $"Token cache '{path}' is truncated: its header describes {expected} bytes but the file has {bytes.LongLength}.");
        }
        if (bytes.LongLength > expected)
        {
            throw new UserErrorException(
                $"Token cache '{path}' is corrupt: it has {bytes.LongLength - expected} unexpected bytes after the labels.");
        }

        int offset = HeaderSize;
        string metadata = Encoding.UTF8.GetString(bytes, offset, metaLength);
        offset += metaLength;
        ushort[] tokens = ReadLittleEndian<ushort>(bytes.AsSpan(offset, checked((int)(tokenCount * 2))));
        offset += (int)(tokenCount * 2);
        int[] labels = ReadLittleEndian<int>(bytes.AsSpan(offset, n * 4));

        if (TokenCache.FindProblem(tokens, labels, k, classes, metadata) is { } problem)
        {
            throw new UserErrorException($"Token cache '{path}' is corrupt: {problem.Message}.");
        }
        return new TokenCache(tokens, labels, gridH, gridW, d, k, classes, metadata);
    }

    private static void WriteLittleEndian<T>(Stream stream, T[] values) where T : unmanaged
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        throw new PlatformNotSupportedException("Token caches are only written on little-endian machines.");
    }

    private static T[] ReadLittleEndian<T>(ReadOnlySpan<byte> bytes) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Token caches are only read on little-endian machines.");
        }
        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }
}
