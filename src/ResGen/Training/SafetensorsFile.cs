using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ResGen.IO;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="DType">The safetensors dtype name, e.g. <c>F32</c>.</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Begin">Start of its bytes, relative to the end of the header.</param>
/// <param name="End">End (exclusive) of its bytes.</param>
public sealed record SafetensorsEntry(string DType, long[] Shape, long Begin, long End);

/// <summary>A checked safetensors header: its tensor entries and its <c>__metadata__</c> map (empty when absent).</summary>
/// <param name="Tensors">The tensor entries by name.</param>
/// <param name="Metadata">The string-to-string <c>__metadata__</c> map.</param>
public sealed record SafetensorsHeader(IReadOnlyDictionary<string, SafetensorsEntry> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Validated reading and atomic writing of safetensors files. Reading checks the header length,
/// the JSON header and that the file is exactly as long as the data the header describes, so a
/// truncated or corrupt file is reported before any tensor is touched. Tensors are read and (without
/// metadata) written by TorchSharp.PyBridge; it writes no <c>__metadata__</c>, so files that carry
/// one get their header from <see cref="Writer(IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string})"/>.
/// </summary>
public static class SafetensorsFile
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8,
        ["F32"] = 4,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I64"] = 8,
        ["I32"] = 4,
        ["I16"] = 2,
        ["I8"] = 1,
        ["U8"] = 1,
        ["BOOL"] = 1,
    };

    /// <summary>Reads and checks the header of <paramref name="path"/>; throws <see cref="UserErrorException"/> naming <paramref name="what"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">How messages name the file, e.g. <c>checkpoint 'a.safetensors'</c>.</param>
    public static IReadOnlyDictionary<string, SafetensorsEntry> ReadIndex(string path, string what) => ReadHeader(path, what).Tensors;

    /// <summary>Like <see cref="ReadIndex"/>, and also returns the <c>__metadata__</c> map, which must map strings to strings.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">How messages name the file, e.g. <c>token cache 'a.safetensors'</c>.</param>
    public static SafetensorsHeader ReadHeader(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(what);
        if (!File.Exists(path))
        {
            throw new UserErrorException($"{Capital(what)} does not exist.");
        }

        try
        {
            using var stream = File.OpenRead(path);
            var fileLength = stream.Length;
            Span<byte> lengthBytes = stackalloc byte[8];
            if (fileLength < 8 || stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            {
                throw Corrupt(what, $"the file is {fileLength} bytes, too short for the 8-byte header length");
            }

            var headerLength = BitConverter.ToUInt64(lengthBytes);
            if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            {
                throw Corrupt(what, $"the header length {headerLength} does not fit in a file of {fileLength} bytes");
            }

            var header = new byte[headerLength];
            stream.ReadExactly(header);
            var parsed = ParseHeader(header, what);
            var dataEnd = parsed.Tensors.Values.Select(e => e.End).DefaultIfEmpty(0).Max();
            var expectedLength = 8 + (long)headerLength + dataEnd;
            if (expectedLength != fileLength)
            {
                throw Corrupt(what, $"the header describes {expectedLength} bytes but the file has {fileLength}");
            }

            return parsed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"{Capital(what)} cannot be read: {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> to a fresh temporary file next to <paramref name="path"/> and
    /// renames it over <paramref name="path"/>, so readers never see a partial file.
    /// </summary>
    public static void WriteAtomic(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = NewDisposeScope();
        AtomicFile.Write(path, Writer(tensors));
    }

    /// <summary>Like <see cref="WriteAtomic(string, IReadOnlyDictionary{string, Tensor})"/>, with a <c>__metadata__</c> map in the header.</summary>
    public static void WriteAtomic(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var scope = NewDisposeScope();
        AtomicFile.Write(path, Writer(tensors, metadata));
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> to the CPU now (into the current dispose scope) and returns
    /// what writes them as a safetensors file, for <see cref="AtomicFile.WriteGroup"/>.
    /// </summary>
    public static Action<Stream> Writer(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var ready = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous(), StringComparer.Ordinal);
        return stream => Safetensors.SaveStateDict(stream, ready, leaveOpen: true);
    }

    /// <summary>
    /// Like <see cref="Writer(IReadOnlyDictionary{string, Tensor})"/>, with <paramref name="metadata"/> as the
    /// header's <c>__metadata__</c> map (what Python's <c>safe_open(...).metadata()</c> returns). The header
    /// is written here because TorchSharp.PyBridge writes none: the JSON header (metadata first, then the
    /// tensors in the given order, each right after the previous one), padded with spaces to a multiple of
    /// 8 bytes as the safetensors reference writer does, then the tensors' bytes.
    /// </summary>
    public static Action<Stream> Writer(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        var ready = tensors.Select(kv => (Name: kv.Key, Tensor: kv.Value.detach().cpu().contiguous())).ToList();
        var header = new Dictionary<string, object> { ["__metadata__"] = metadata };
        long offset = 0;
        foreach (var (name, tensor) in ready)
        {
            var bytes = tensor.NumberOfElements * tensor.ElementSize;
            header.Add(name, new Dictionary<string, object>
            {
                ["dtype"] = DTypeNames.TryGetValue(tensor.dtype, out var dtype)
                    ? dtype : throw new ArgumentException($"tensor '{name}' has dtype {tensor.dtype}, which safetensors files here do not hold.", nameof(tensors)),
                ["shape"] = tensor.shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            });
            offset += bytes;
        }

        // relaxed escaping keeps quotes in metadata values readable in the file; it is still strict JSON
        var json = JsonSerializer.SerializeToUtf8Bytes(header, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var padded = new byte[(json.Length + 7) / 8 * 8];
        padded.AsSpan().Fill((byte)' ');
        json.CopyTo(padded, 0);
        return stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)padded.Length));
            stream.Write(padded);
            foreach (var (_, tensor) in ready)
            {
                stream.Write(tensor.bytes);
            }
        };
    }

    /// <summary>Loads all tensors of a file checked by <see cref="ReadIndex"/>; they are registered in the current dispose scope.</summary>
    public static Dictionary<string, Tensor> Load(string path, string what)
    {
        ReadIndex(path, what);
        try
        {
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is JsonException or NotImplementedException)
        {
            // a valid header TorchSharp.PyBridge cannot take: a metadata key it reads as a tensor field, or a tensor over 2 GB
            throw Corrupt(what, $"TorchSharp.PyBridge cannot load it ({e.Message.TrimEnd('.')})", e);
        }
    }

    private static SafetensorsHeader ParseHeader(byte[] header, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw Corrupt(what, $"the header is not valid JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.')})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Corrupt(what, "the header is not a JSON object");
            }

            var index = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Name != "__metadata__")
                    {
                        index[property.Name] = ParseEntry(property, what);
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Object
                             || property.Value.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                    {
                        throw Corrupt(what, "its __metadata__ is not a map of strings to strings");
                    }
                    else
                    {
                        foreach (var entry in property.Value.EnumerateObject())
                        {
                            metadata[entry.Name] = entry.Value.GetString()!;
                        }
                    }
                }
            }
            catch (InvalidOperationException e)
            {
                throw Corrupt(what, "the header holds a name or string that is not valid UTF-8", e);
            }

            return new SafetensorsHeader(index, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(JsonProperty property, string what)
    {
        try
        {
            var e = property.Value;
            var dtype = e.GetProperty("dtype").GetString() ?? "";
            var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (!ElementSizes.TryGetValue(dtype, out var size))
            {
                throw Corrupt(what, $"tensor '{property.Name}' has unknown dtype '{dtype}'");
            }

            var bytes = shape.Any(d => d < 0) ? -1 : checked(shape.Aggregate(1L, (a, b) => a * b) * size);
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] - offsets[0] != bytes || bytes < 0)
            {
                throw Corrupt(what, $"tensor '{property.Name}' has data offsets [{string.Join(", ", offsets)}] that do not fit its shape {StateDictDiff.Shape(shape)} and dtype {dtype}");
            }

            return new SafetensorsEntry(dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw Corrupt(what, $"tensor '{property.Name}' lacks a valid dtype, shape or data_offsets", ex);
        }
    }

    private static readonly Dictionary<ScalarType, string> DTypeNames = new()
    {
        [ScalarType.Float64] = "F64",
        [ScalarType.Float32] = "F32",
        [ScalarType.Float16] = "F16",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16",
        [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8",
        [ScalarType.Bool] = "BOOL",
    };

    private static UserErrorException Corrupt(string what, string detail, Exception? inner = null) =>
        new($"{Capital(what)} is truncated or corrupt: {detail}.", inner);

    private static string Capital(string what) => what.Length == 0 ? what : char.ToUpperInvariant(what[0]) + what[1..];
}
