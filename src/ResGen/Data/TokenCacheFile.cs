using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using ResGen.Training;
using static TorchSharp.torch;

namespace ResGen.Data;

/// <summary>
/// The on-disk form of a <see cref="TokenCache"/>: one safetensors file (readable from Python with
/// <c>safetensors.safe_open</c>) holding
/// <code>
/// tokens  [N, L, D]  code indices, item by item, position by position, depth by depth:
///                    U8 when K &lt;= 256, I16 when K &lt;= 32768, else I32 (the narrowest that holds K - 1)
/// labels  [N]        I32 class labels
/// </code>
/// and in the header's <c>__metadata__</c> map (strings only, as safetensors requires):
/// <code>
/// format          "resgen-token-cache"
/// format_version  "1"
/// grid_height, grid_width, codebook_size, class_count   decimal integers (L = grid_height * grid_width, K)
/// source          the cache's JSON metadata (tokenizer path, tokenizer_config_hash, split, data set)
/// </code>
/// The metadata lives in the file rather than in a sidecar so that a cache stays one file: written
/// by one rename, copied or passed as one path, and never out of step with a second file.
/// </summary>
public static class TokenCacheFile
{
    /// <summary>The <c>format</c> entry of every token cache's metadata.</summary>
    public const string Format = "resgen-token-cache";

    /// <summary>The format version this build writes and reads.</summary>
    public const int Version = 1;

    private const string OldMagic = "RGTOKC01";
    private const string ReEncode = "re-create it with `resgen tokenizer encode`";

    /// <summary>Writes <paramref name="cache"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <param name="path">Destination file.</param>
    /// <param name="cache">The cache.</param>
    public static void Write(string path, TokenCache cache)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(cache);
        using var scope = NewDisposeScope();
        long[] shape = [cache.Count, cache.Length, cache.Depth];
        var tokens = cache.CodebookSize switch
        {
            <= 256 => tensor(Narrow<byte>(cache.Tokens), shape),
            <= 32768 => tensor(MemoryMarshal.Cast<ushort, short>(cache.Tokens).ToArray(), shape),
            _ => tensor(Narrow<int>(cache.Tokens), shape),
        };
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["tokens"] = tokens,
            ["labels"] = tensor(cache.LabelValues, [cache.Count]),
        };
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["format_version"] = Version.ToString(CultureInfo.InvariantCulture),
            ["grid_height"] = cache.GridHeight.ToString(CultureInfo.InvariantCulture),
            ["grid_width"] = cache.GridWidth.ToString(CultureInfo.InvariantCulture),
            ["codebook_size"] = cache.CodebookSize.ToString(CultureInfo.InvariantCulture),
            ["class_count"] = cache.ClassCount.ToString(CultureInfo.InvariantCulture),
            ["source"] = cache.Metadata,
        };
        SafetensorsFile.WriteAtomic(path, tensors, metadata);
    }

    /// <summary>Reads and fully validates a token cache file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The cache.</returns>
    /// <exception cref="UserErrorException">The file is missing, not a token cache, in an old format, truncated or corrupt.</exception>
    public static TokenCache Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new UserErrorException($"Token cache '{path}' does not exist; create it with `resgen tokenizer encode`.");
        }
        if (StartsWith(path, OldMagic))
        {
            throw new UserErrorException(
                $"Token cache '{path}' is in the old {OldMagic} format, which this version no longer reads; {ReEncode}.");
        }

        var header = SafetensorsFile.ReadHeader(path, $"token cache '{path}'");
        var meta = header.Metadata;
        if (!meta.TryGetValue("format", out var format) || format != Format)
        {
            throw new UserErrorException(
                $"File '{path}' is not a token cache: its safetensors metadata lacks \"format\": \"{Format}\".");
        }
        if (!meta.TryGetValue("format_version", out var version))
        {
            throw Corrupt(path, "its metadata lacks \"format_version\"");
        }
        if (version != Version.ToString(CultureInfo.InvariantCulture))
        {
            throw new UserErrorException(
                $"Token cache '{path}' has format version '{version}', but this build reads only version {Version}; {ReEncode}.");
        }
        int gridH = Number(meta, "grid_height", 1, int.MaxValue, path);
        int gridW = Number(meta, "grid_width", 1, int.MaxValue, path);
        int k = Number(meta, "codebook_size", 1, 65536, path);
        int classes = Number(meta, "class_count", 1, int.MaxValue, path);
        if (!meta.TryGetValue("source", out var source))
        {
            throw Corrupt(path, "its metadata lacks \"source\"");
        }

        var names = header.Tensors.Keys.Order(StringComparer.Ordinal).ToList();
        if (!names.SequenceEqual(["labels", "tokens"]))
        {
            throw Corrupt(path, $"it holds the tensors [{string.Join(", ", names)}] instead of [labels, tokens]");
        }
        var tokenEntry = header.Tensors["tokens"];
        var labelEntry = header.Tensors["labels"];
        if (tokenEntry.DType is not ("U8" or "I16" or "I32") || labelEntry.DType != "I32")
        {
            throw Corrupt(path, $"its tokens are {tokenEntry.DType} and its labels {labelEntry.DType}, but U8, I16 or I32 tokens and I32 labels are expected");
        }
        long[] ts = tokenEntry.Shape, ls = labelEntry.Shape;
        if (ts.Length != 3 || ls.Length != 1 || ts[0] != ls[0] || ts[1] != (long)gridH * gridW || ts[1] > int.MaxValue
            || ts[2] is < 1 or > int.MaxValue)
        {
            throw Corrupt(path,
                $"its tokens {StateDictDiff.Shape(ts)} and labels {StateDictDiff.Shape(ls)} do not fit [N, {(long)gridH * gridW}, D] and [N] " +
                $"for a {gridH}x{gridW} grid");
        }
        if (ts[0] * ts[1] * ts[2] > Array.MaxLength)
        {
            throw Corrupt(path, $"its {ts[0] * ts[1] * ts[2]} tokens are more than one array can hold");
        }

        using var scope = NewDisposeScope();
        var tensors = SafetensorsFile.Load(path, $"token cache '{path}'");
        var (tokens, problem) = ToUInt16(tokenEntry.DType, tensors["tokens"].bytes);
        if (problem is not null)
        {
            throw Corrupt(path, problem);
        }
        int[] labels = MemoryMarshal.Cast<byte, int>(tensors["labels"].bytes).ToArray();
        if (TokenCache.FindProblem(tokens, labels, k, classes, source) is { } found)
        {
            throw Corrupt(path, found.Message);
        }
        return new TokenCache(tokens, labels, gridH, gridW, (int)ts[2], k, classes, source);
    }

    /// <summary>The little-endian <paramref name="dtype"/> values in <paramref name="bytes"/> as uint16, or the first one uint16 cannot hold.</summary>
    private static (ushort[] Tokens, string? Problem) ToUInt16(string dtype, ReadOnlySpan<byte> bytes)
    {
        if (dtype == "I16")
        {
            var values = MemoryMarshal.Cast<byte, short>(bytes);
            int bad = values.IndexOfAnyInRange(short.MinValue, (short)-1);
            return bad >= 0 ? ([], $"token {bad} is {values[bad]}, outside 0..{ushort.MaxValue}") : (MemoryMarshal.Cast<short, ushort>(values).ToArray(), null);
        }
        if (dtype == "I32")
        {
            var values = MemoryMarshal.Cast<byte, int>(bytes);
            int bad = values.IndexOfAnyExceptInRange(0, ushort.MaxValue);
            return bad >= 0 ? ([], $"token {bad} is {values[bad]}, outside 0..{ushort.MaxValue}") : (Widen<int>(values), null);
        }
        return (Widen<byte>(bytes), null);
    }

    private static T[] Narrow<T>(ushort[] tokens) where T : IBinaryInteger<T>
    {
        var result = new T[tokens.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = T.CreateTruncating(tokens[i]);
        }
        return result;
    }

    private static ushort[] Widen<T>(ReadOnlySpan<T> values) where T : IBinaryInteger<T>
    {
        var result = new ushort[values.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = ushort.CreateTruncating(values[i]);
        }
        return result;
    }

    private static int Number(IReadOnlyDictionary<string, string> meta, string key, int min, int max, string path)
    {
        if (!meta.TryGetValue(key, out var text))
        {
            throw Corrupt(path, $"its metadata lacks \"{key}\"");
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            || value < min || value > max)
        {
            throw Corrupt(path, $"its metadata \"{key}\" is '{text}', not a whole number in {min}..{max}");
        }
        return value;
    }

    private static bool StartsWith(string path, string magic)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[magic.Length];
            return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length
                && Encoding.ASCII.GetString(head) == magic;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"Token cache '{path}' cannot be read: {ex.Message.TrimEnd('.')}.", ex);
        }
    }

    private static UserErrorException Corrupt(string path, string detail) =>
        new($"Token cache '{path}' is corrupt: {detail}.");
}
