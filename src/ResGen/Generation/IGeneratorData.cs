using ResGen.Conditioning;
using ResGen.Data;
using ResGen.Data.Speech;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// The examples a generator trains or validates on, whatever their modality: a batch of token
/// sequences with their condition for given example indices. Any randomness in making a batch (the
/// speech prompts) comes from <c>random</c>, which the training loop seeds from the step, so a
/// resumed run sees the same batches.
/// </summary>
public interface IGeneratorData
{
    /// <summary>Number of examples.</summary>
    int Count { get; }
    /// <summary>The token layout a model of these data is configured with (positions, depth, K).</summary>
    TokenLayout LayoutFor(int codeDim);
    /// <summary>Config hash of the tokenizer that made the tokens, where recorded.</summary>
    string? TokenizerHash { get; }
    /// <summary>What the data are, for the start-of-run line, e.g. "60000 sequences of 49×8".</summary>
    string Describe();
    /// <summary>Throws a user error when a model with this config cannot learn from these data.</summary>
    void Check(IGeneratorConfig config);
    /// <summary>The examples <paramref name="indices"/> as tokens and their condition.</summary>
    (TokenBatch Tokens, Condition Condition) Batch(long[] indices, Random random, Device device);
    /// <summary>Indices [N, L, D] of real positions only (no padding), up to about <paramref name="positions"/> of them, for measuring the latent scale.</summary>
    Tensor ScaleSample(int positions, Device device);
}

/// <summary>
/// Class-labelled token grids of a <see cref="TokenCache"/> (images). The whole cache lives on the
/// training device once its first batch is asked for (int16 codes, or int32 when K exceeds 32,768), and
/// a batch is one index_select there: no per-batch copy of token values from the host, no host work
/// that grows with the batch.
/// </summary>
public sealed class TokenCacheData(TokenCache cache) : IGeneratorData
{
    Tensor? store, labels;

    /// <summary>How many times the cache was copied to a device (once per device a run uses).</summary>
    internal int Uploads { get; private set; }

    (Tensor Tokens, Tensor Labels) StoreOn(Device device)
    {
        // TorchSharp's Device compares by reference (each tensor.device is a new object): compare type and index
        if (store is not null && store.device.type == device.type && store.device.index == device.index) return (store, labels!);
        Uploads++;
        store?.Dispose();
        labels?.Dispose();
        using var scope = torch.NewDisposeScope();
        var shape = new long[] { cache.Count, cache.Length, cache.Depth };
        var codes = cache.CodebookSize <= short.MaxValue + 1
            ? torch.tensor(Array.ConvertAll(cache.Tokens, t => unchecked((short)t)), shape)
            : torch.tensor(Array.ConvertAll(cache.Tokens, t => (int)t), shape);
        store = codes.to(device).DetachFromDisposeScope();
        labels = torch.tensor(cache.LabelValues, ScalarType.Int64).to(device).DetachFromDisposeScope();
        return (store, labels);
    }

    public TokenCache Cache => cache;
    public int Count => cache.Count;
    public string? TokenizerHash => cache.TokenizerHash;

    public TokenLayout LayoutFor(int codeDim) => GeneratorTraining.LayoutOf(cache, codeDim);

    public string Describe() => $"{cache.Count} sequences of {cache.Length}×{cache.Depth}";

    public void Check(IGeneratorConfig config) => GeneratorTraining.Check(config, cache);

    public (TokenBatch Tokens, Condition Condition) Batch(long[] indices, Random random, Device device)
    {
        cache.CheckIndices(indices);
        var (tokens, classes) = StoreOn(device);
        var at = torch.tensor(indices, device: device);
        return (new TokenBatch(tokens.index_select(0, at).to(ScalarType.Int64)), new ClassCondition(classes.index_select(0, at)));
    }

    public Tensor ScaleSample(int positions, Device device)
        => cache.Indices([.. Enumerable.Range(0, Math.Clamp(positions / cache.Length, 1, cache.Count)).Select(i => (long)i)], device);
}

/// <summary>
/// Tokenized utterances with their phonemes (text-to-speech): 1-D sequences of up to
/// <see cref="Positions"/> positions, each batch padded to its longest example, and during training
/// a speaker prompt (a prefix of the utterance, or another utterance of the same speaker before it).
/// </summary>
public sealed class SpeechTokenData(SpeechTokens tokens, int positions, PromptSettings prompts) : IGeneratorData
{
    /// <summary>Positions for a corpus: room for two of its longest utterances (a cross-sentence prompt and its target).</summary>
    public static int PositionsFor(SpeechTokens tokens) => 2 * tokens.MaxFrames;

    public SpeechTokens Tokens => tokens;
    public int Positions => positions;
    public int Count => tokens.Count;
    public string? TokenizerHash => tokens.TokenizerHash;

    public TokenLayout LayoutFor(int codeDim) => new()
    {
        GridHeight = 1,
        GridWidth = positions,
        Depth = tokens.Depth,
        CodebookSize = tokens.CodebookSize,
        CodeDim = codeDim,
        Layout = PositionLayout.Sequence,
    };

    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{tokens.Count} utterances of up to {tokens.MaxFrames}×{tokens.Depth} ({tokens.FrameRate:0.##} positions/s; sequences of up to {positions} with prompts)");

    public void Check(IGeneratorConfig config)
    {
        var t = config.Tokens;
        if (t.Layout != PositionLayout.Sequence || t.Depth != tokens.Depth || t.CodebookSize != tokens.CodebookSize)
            throw new UserErrorException($"the speech tokens are sequences of depth {tokens.Depth} with K = {tokens.CodebookSize}, but the model is configured for {t.Layout.ToString().ToLowerInvariant()} tokens of depth {t.Depth} with K = {t.CodebookSize}.");
        if (t.Positions < positions)
            throw new UserErrorException($"the model reads at most {t.Positions} positions but these speech batches have up to {positions}.");
        if (config.Text is not { } text)
            throw new UserErrorException("speech tokens need a text-conditioned model: set model.condition to text in the config.");
        if (text.Vocabulary < tokens.Vocabulary)
            throw new UserErrorException($"the speech tokens use {tokens.Vocabulary} phoneme ids but the model's text encoder knows {text.Vocabulary}.");
        int longest = 2 * tokens.MaxPhonemes;
        if (text.MaxLength < longest)
            throw new UserErrorException($"the model reads at most {text.MaxLength} phonemes but a prompted example can have {longest}; raise model.text.max_length.");
    }

    public (TokenBatch Tokens, Condition Condition) Batch(long[] indices, Random random, Device device)
        => tokens.Batch(indices, positions, prompts, random, device);

    public Tensor ScaleSample(int positions, Device device)
    {
        var codes = new List<long>();
        foreach (var item in tokens.Items)
        {
            if (codes.Count >= (long)positions * tokens.Depth) break;
            codes.AddRange(item.Codes.Select(c => (long)c));
        }
        return torch.tensor(codes.ToArray(), [1, codes.Count / tokens.Depth, tokens.Depth], device: device);
    }
}
