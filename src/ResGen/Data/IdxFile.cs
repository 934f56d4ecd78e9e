using System.Buffers.Binary;
using System.IO.Compression;

namespace ResGen.Data;

/// <summary>
/// Reader for gzip-compressed IDX files of unsigned bytes, the format used by MNIST and
/// Fashion-MNIST: a big-endian magic number <c>0x0000 08 NN</c> (NN = number of dimensions),
/// NN big-endian 32-bit dimension sizes, then the data in row-major order.
/// </summary>
internal static class IdxFile
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>
    /// Reads <paramref name="path"/>, checking that it is gzip data holding an unsigned-byte IDX
    /// array with <paramref name="dimensions"/> dimensions.
    /// </summary>
    /// <param name="path">The .gz file.</param>
    /// <param name="dimensions">Expected number of dimensions (3 for images, 1 for labels).</param>
    /// <param name="limit">If set, read only the first <paramref name="limit"/> items along the first dimension.</param>
    /// <returns>The shape declared in the header, the number of items read, and their raw bytes.</returns>
    public static (int[] Shape, int Items, byte[] Data) Read(string path, int dimensions, int? limit = null)
    {
        using var file = OpenGzip(path);
        try
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            int[] shape = ReadHeader(gzip, path, dimensions);
            long itemSize = 1;
            for (int i = 1; i < shape.Length; i++)
            {
                itemSize *= shape[i];
            }
            int items = limit is int l ? Math.Min(l, shape[0]) : shape[0];
            long byteCount = items * itemSize;
            if (byteCount > Array.MaxLength)
            {
                throw new UserErrorException(
                    $"File '{path}' declares shape [{string.Join(", ", shape)}], which is too large to load.");
            }

            var data = new byte[byteCount];
            int read = gzip.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (read < data.Length)
            {
                throw new UserErrorException(
                    $"File '{path}' is truncated: its header promises {items} items of {itemSize} bytes " +
                    $"({byteCount} bytes) but only {read} bytes follow.");
            }
            return (shape, items, data);
        }
        catch (InvalidDataException ex)
        {
            throw new UserErrorException($"File '{path}' is corrupt: its gzip data cannot be decompressed.", ex);
        }
    }

    private static FileStream OpenGzip(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserErrorException($"File '{path}' does not exist.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"File '{path}' cannot be opened: {ex.Message}", ex);
        }

        Span<byte> signature = stackalloc byte[2];
        int got = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
        if (got < 2 || signature[0] != 0x1f || signature[1] != 0x8b)
        {
            file.Dispose();
            throw new UserErrorException(
                $"File '{path}' is not gzip-compressed (expected a .gz IDX file).");
        }
        file.Position = 0;
        return file;
    }

    private static int[] ReadHeader(Stream stream, string path, int dimensions)
    {
        Span<byte> header = stackalloc byte[4 + 4 * dimensions];
        int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < 4)
        {
            throw new UserErrorException($"File '{path}' is truncated: it ends inside the IDX header.");
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        uint expected = (UnsignedByteType << 8) | (uint)dimensions;
        if (magic != expected)
        {
            throw new UserErrorException(
                $"File '{path}' has magic number 0x{magic:X8}, but an IDX file of unsigned bytes " +
                $"with {dimensions} dimension(s) starts with 0x{expected:X8}.");
        }
        if (got < header.Length)
        {
            throw new UserErrorException($"File '{path}' is truncated: it ends inside the IDX header.");
        }

        var shape = new int[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * i)..]);
            if (size < 0 || (i > 0 && size == 0))
            {
                throw new UserErrorException(
                    $"File '{path}' declares an invalid size {size} for dimension {i}.");
            }
            shape[i] = size;
        }
        return shape;
    }
}
