using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Data;

/// <summary>
/// The residual-quantisation token grid of a whole data set, kept in memory and stored on disk
/// so that training the generator does not re-run the tokenizer. Each of the N items has
/// L = GridHeight * GridWidth positions with D stacked code indices (depth) below the codebook
/// size K, plus a class label. See <see cref="TokenCacheFile"/> for the file layout.
/// </summary>
public sealed class TokenCache
{
    /// <summary>Creates a cache and checks every size, token and label.</summary>
    /// <param name="tokens">N * L * D code indices, item by item, position by position, depth by depth.</param>
    /// <param name="labels">N class labels in 0 .. <paramref name="classCount"/> - 1.</param>
    /// <param name="gridHeight">Token grid height.</param>
    /// <param name="gridWidth">Token grid width.</param>
    /// <param name="depth">Codes per position (D).</param>
    /// <param name="codebookSize">Codebook size K, 1 to 65536; every token must be below it.</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="metadata">A JSON document describing the source, e.g. the tokenizer checkpoint and its config hash.</param>
    public TokenCache(ushort[] tokens, int[] labels, int gridHeight, int gridWidth, int depth,
                      int codebookSize, int classCount, string metadata)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gridHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gridWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (codebookSize is < 1 or > 65536)
        {
            throw new ArgumentOutOfRangeException(
                nameof(codebookSize), $"codebookSize is {codebookSize}, but uint16 tokens allow 1 to 65536.");
        }
        long perItem = (long)gridHeight * gridWidth * depth;
        if (tokens.LongLength != labels.LongLength * perItem)
        {
            throw new ArgumentException(
                $"tokens has {tokens.LongLength} entries but {labels.Length} items of {gridHeight}x{gridWidth} " +
                $"positions with depth {depth} need {labels.LongLength * perItem}.", nameof(tokens));
        }
        if (FindProblem(tokens, labels, codebookSize, classCount, metadata) is { } problem)
        {
            throw new ArgumentException(problem.Message + ".", problem.Parameter);
        }

        Tokens = tokens;
        LabelValues = labels;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
        Depth = depth;
        CodebookSize = codebookSize;
        ClassCount = classCount;
        Metadata = metadata;
    }

    /// <summary>Code indices, N * L * D, in item, position, depth order.</summary>
    public ushort[] Tokens { get; }

    /// <summary>Class label of each item.</summary>
    public int[] LabelValues { get; }

    /// <summary>Number of items (N).</summary>
    public int Count => LabelValues.Length;

    /// <summary>Positions per item (L = GridHeight * GridWidth).</summary>
    public int Length => GridHeight * GridWidth;

    /// <summary>Token grid height.</summary>
    public int GridHeight { get; }

    /// <summary>Token grid width.</summary>
    public int GridWidth { get; }

    /// <summary>Codes per position (D).</summary>
    public int Depth { get; }

    /// <summary>Codebook size (K).</summary>
    public int CodebookSize { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>JSON metadata describing where the tokens came from.</summary>
    public string Metadata { get; }

    /// <summary>The class names the encoder recorded in <see cref="Metadata"/> (<c>class_names</c>); empty when it has none.</summary>
    public string[] ClassNames => FromMetadata<string[]>("class_names", v => v.ValueKind == System.Text.Json.JsonValueKind.Array
        && v.EnumerateArray().All(n => n.ValueKind == System.Text.Json.JsonValueKind.String)
            ? [.. v.EnumerateArray().Select(n => n.GetString()!)]
            : null) ?? [];

    /// <summary>The config hash of the tokenizer that made the tokens (<c>tokenizer_config_hash</c> in <see cref="Metadata"/>), if recorded.</summary>
    public string? TokenizerHash => FromMetadata("tokenizer_config_hash", v => v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null);

    /// <summary>A value of the metadata JSON object; null when the metadata is not such an object or lacks the key.</summary>
    T? FromMetadata<T>(string key, Func<System.Text.Json.JsonElement, T?> read) where T : class
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(Metadata);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) ? read(v) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Builds a cache from tensors: <paramref name="indices"/> [N, L, D] of integers and <paramref name="labels"/> [N].</summary>
    /// <param name="indices">Code indices, any integer dtype, any device.</param>
    /// <param name="labels">Class labels, any integer dtype, any device.</param>
    /// <param name="gridHeight">Token grid height (L must equal gridHeight * gridWidth).</param>
    /// <param name="gridWidth">Token grid width.</param>
    /// <param name="codebookSize">Codebook size K.</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="metadata">JSON metadata.</param>
    /// <returns>A new cache.</returns>
    public static TokenCache FromTensors(Tensor indices, Tensor labels, int gridHeight, int gridWidth,
                                         int codebookSize, int classCount, string metadata)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(labels);
        if (indices.dim() != 3 || indices.shape[1] != (long)gridHeight * gridWidth)
        {
            throw new ArgumentException(
                $"indices has shape [{string.Join(", ", indices.shape)}] but [N, {gridHeight * gridWidth}, D] was expected " +
                $"for a {gridHeight}x{gridWidth} grid.", nameof(indices));
        }
        if (labels.dim() != 1 || labels.shape[0] != indices.shape[0])
        {
            throw new ArgumentException(
                $"labels has shape [{string.Join(", ", labels.shape)}] but [{indices.shape[0]}] was expected.", nameof(labels));
        }

        long[] flat = ToLongs(indices);
        var tokens = new ushort[flat.Length];
        for (long i = 0; i < flat.LongLength; i++)
        {
            if (flat[i] < 0 || flat[i] >= codebookSize)
            {
                throw new ArgumentException(
                    $"indices holds {flat[i]} at flat position {i}, outside 0..{codebookSize - 1}.", nameof(indices));
            }
            tokens[i] = (ushort)flat[i];
        }
        int[] labelValues = ToLongs(labels).Select(v => checked((int)v)).ToArray();
        return new TokenCache(tokens, labelValues, gridHeight, gridWidth, (int)indices.shape[2],
                              codebookSize, classCount, metadata);
    }

    /// <summary>Writes <paramref name="cache"/> to <paramref name="path"/> via a temporary file and a rename.</summary>
    /// <param name="path">Destination file; its folder is created if needed.</param>
    /// <param name="cache">The cache to store.</param>
    public static void Write(string path, TokenCache cache) => TokenCacheFile.Write(path, cache);

    /// <summary>Reads a cache written by <see cref="Write"/>.</summary>
    /// <param name="path">The cache file.</param>
    /// <returns>The cache.</returns>
    /// <exception cref="UserErrorException">The file is missing, not a token cache, of another version, truncated or corrupt.</exception>
    public static TokenCache Read(string path) => TokenCacheFile.Read(path);

    /// <summary>Code indices of the items at <paramref name="batchIdx"/> as int64 [B, L, D].</summary>
    /// <param name="batchIdx">Item indices (repeats allowed).</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <returns>A new tensor.</returns>
    public Tensor Indices(long[] batchIdx, Device? device = null)
    {
        CheckIndices(batchIdx);
        int perItem = Length * Depth;
        var values = new long[(long)batchIdx.Length * perItem];
        for (int b = 0; b < batchIdx.Length; b++)
        {
            var source = Tokens.AsSpan(checked((int)(batchIdx[b] * perItem)), perItem);
            var target = values.AsSpan(b * perItem, perItem);
            for (int i = 0; i < perItem; i++)
            {
                target[i] = source[i];
            }
        }
        return torch.tensor(values, [batchIdx.Length, Length, Depth], device: device);
    }

    /// <summary>Labels of the items at <paramref name="batchIdx"/> as int64 [B].</summary>
    /// <param name="batchIdx">Item indices (repeats allowed).</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <returns>A new tensor.</returns>
    public Tensor Labels(long[] batchIdx, Device? device = null)
    {
        CheckIndices(batchIdx);
        var values = batchIdx.Select(i => (long)LabelValues[i]).ToArray();
        return torch.tensor(values, [batchIdx.Length], device: device);
    }

    /// <summary>The first token, label or metadata problem found, or null when all are valid.</summary>
    internal static (string Message, string Parameter)? FindProblem(
        ushort[] tokens, int[] labels, int codebookSize, int classCount, string metadata)
    {
        for (long i = 0; i < tokens.LongLength; i++)
        {
            if (tokens[i] >= codebookSize)
            {
                return ($"token {i} is {tokens[i]}, which is not below the codebook size {codebookSize}", nameof(tokens));
            }
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classCount)
            {
                return ($"label {i} is {labels[i]}, outside 0..{classCount - 1} for {classCount} classes", nameof(labels));
            }
        }
        try
        {
            using var _ = JsonDocument.Parse(metadata);
        }
        catch (JsonException ex)
        {
            return ($"the metadata is not valid JSON ({ex.Message.TrimEnd('.')})", nameof(metadata));
        }
        return null;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless every index names an item.</summary>
    internal void CheckIndices(long[] batchIdx)
    {
        ArgumentNullException.ThrowIfNull(batchIdx);
        for (int i = 0; i < batchIdx.Length; i++)
        {
            if (batchIdx[i] < 0 || batchIdx[i] >= Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(batchIdx), $"batchIdx[{i}] = {batchIdx[i]} is outside 0..{Count - 1}.");
            }
        }
    }

    private static long[] ToLongs(Tensor tensor)
    {
        if (tensor.is_floating_point() || tensor.is_complex())
        {
            throw new ArgumentException($"Expected an integer tensor, got {tensor.dtype}.", nameof(tensor));
        }
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().to(ScalarType.Int64).cpu().contiguous();
        return cpu.data<long>().ToArray();
    }
}
