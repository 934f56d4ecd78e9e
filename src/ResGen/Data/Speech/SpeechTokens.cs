using System.Text.Json;
using ResGen.Conditioning;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Data.Speech;

/// <summary>
/// One tokenized utterance: its frames' codes (L·D, frame by frame), its phoneme ids and, when aligned,
/// the position (in frames, fractional) at which each phoneme starts.
/// </summary>
public sealed record SpeechTokenItem(string Id, string Speaker, short[] Codes, int[] Phonemes, float[]? Starts = null)
{
    public int Frames(int depth) => Codes.Length / depth;
}

/// <summary>How prompted training batches are made (see <see cref="SpeechTokens.Batch"/>).</summary>
/// <param name="PromptShare">Share of examples that get a prompt at all.</param>
/// <param name="PairShare">Share of the prompted examples made of two utterances of one speaker (the first is the prompt: the cross-sentence task); the rest get a prefix of their own utterance (continuation).</param>
/// <param name="MaxPrefix">A continuation prompt covers up to this share of the utterance.</param>
public sealed record PromptSettings(double PromptShare = 0.8, double PairShare = 0.5, double MaxPrefix = 0.5)
{
    public static readonly PromptSettings None = new(0, 0, 0);
}

/// <summary>
/// The speech tokens of one corpus split for generator training: each utterance's frames of D codes
/// (variable length) with its phonemes and speaker. Batches are padded to the model's positions,
/// with lengths, and (for prompted training) a prompt: either a prefix of the utterance, or a whole
/// other utterance of the same speaker placed before it, its phonemes before the target's — the two
/// tasks of zero-shot TTS. Stored as a safetensors file (codes and phonemes concatenated, with offsets)
/// whose metadata hold the ids, speakers and the tokenizer's identity.
/// </summary>
public sealed class SpeechTokens
{
    public const string Format = "resgen-speech-tokens";

    public SpeechTokens(IReadOnlyList<SpeechTokenItem> items, int depth, int codebookSize, int vocabulary, double frameRate, string tokenizerHash)
    {
        if (items.Count == 0) throw new UserErrorException("the speech token set holds no utterance.");
        if (depth < 1 || codebookSize < 2 || vocabulary < 2) throw new ArgumentException($"bad speech token shape: depth {depth}, K {codebookSize}, vocabulary {vocabulary}");
        foreach (var it in items)
        {
            if (it.Codes.Length == 0 || it.Codes.Length % depth != 0)
                throw new UserErrorException($"utterance {it.Id} has {it.Codes.Length} codes, not a positive multiple of the depth {depth}.");
            if (it.Phonemes.Length == 0) throw new UserErrorException($"utterance {it.Id} has no phonemes.");
            if (it.Codes.Any(c => c < 0 || c >= codebookSize)) throw new UserErrorException($"utterance {it.Id} has a code outside 0..{codebookSize - 1}.");
            if (it.Phonemes.Any(p => p < 1 || p >= vocabulary)) throw new UserErrorException($"utterance {it.Id} has a phoneme id outside 1..{vocabulary - 1}.");
            if (it.Starts is { } s && (s.Length != it.Phonemes.Length || s.Any(v => !float.IsFinite(v) || v < 0 || v > it.Frames(depth)) || s.Zip(s.Skip(1)).Any(x => x.Second < x.First)))
                throw new UserErrorException($"utterance {it.Id} has phoneme starts that are not one non-decreasing position per phoneme within its {it.Frames(depth)} frames.");
        }
        if (items.Any(i => i.Starts is null) && items.Any(i => i.Starts is not null))
            throw new UserErrorException("the speech token set mixes utterances with and without phoneme timings; re-encode the corpus with `resgen tokenizer encode`.");
        Items = items;
        Depth = depth;
        CodebookSize = codebookSize;
        Vocabulary = vocabulary;
        FrameRate = frameRate;
        TokenizerHash = tokenizerHash;
        bySpeaker = items.Select((it, i) => (it.Speaker, i)).GroupBy(x => x.Speaker, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.i).ToArray(), StringComparer.Ordinal);
    }

    readonly Dictionary<string, int[]> bySpeaker;

    public IReadOnlyList<SpeechTokenItem> Items { get; }
    public int Count => Items.Count;
    public int Depth { get; }
    public int CodebookSize { get; }
    /// <summary>Phoneme ids 1..Vocabulary−1 (0 is padding).</summary>
    public int Vocabulary { get; }
    /// <summary>Token frames per second of audio.</summary>
    public double FrameRate { get; }
    public string TokenizerHash { get; }
    public int MaxFrames => Items.Max(i => i.Frames(Depth));
    /// <summary>Whether every utterance carries its phoneme starts.</summary>
    public bool Aligned => Items[0].Starts is not null;

    /// <summary>
    /// Mean duration in positions of each phoneme id 0..Vocabulary−1 over the set (a phoneme lasts until the
    /// next starts, the last until the end; an id never seen gets the mean of the phonemes that last at all), or null when unaligned.
    /// </summary>
    public double[]? MeanDurations()
    {
        if (!Aligned) return null;
        var sum = new double[Vocabulary];
        var count = new int[Vocabulary];
        double lasting = 0;
        int lastingCount = 0;
        foreach (var it in Items)
        {
            var s = it.Starts!;
            for (int i = 0; i < s.Length; i++)
            {
                double end = i + 1 < s.Length ? s[i + 1] : it.Frames(Depth);
                sum[it.Phonemes[i]] += end - s[i];
                count[it.Phonemes[i]]++;
                if (end > s[i]) { lasting += end - s[i]; lastingCount++; }
            }
        }
        double overall = lasting / Math.Max(1, lastingCount);
        return [.. sum.Select((v, id) => id == 0 ? 0 : count[id] > 0 ? Math.Round(v / count[id], 4) : Math.Round(overall, 4))];
    }
    public int MaxPhonemes => Items.Max(i => i.Phonemes.Length);

    /// <summary>
    /// A training batch: tokens [B, L, D] (zero padding; L the longest example, at most <paramref name="positions"/>), lengths, prompt lengths (null without
    /// prompts) and the phonemes. Utterances longer than <paramref name="positions"/> are cut (and a pair
    /// that does not fit falls back to a prefix prompt).
    /// </summary>
    public (TokenBatch Tokens, PhonemeCondition Text) Batch(long[] indices, int positions, PromptSettings prompts, Random rng, Device? device = null)
    {
        int b = indices.Length, d = Depth;
        var seqs = new List<short>[b];
        var lengths = new long[b];
        var prompt = new long[b];
        var phonemes = new List<int>[b];
        var starts = Aligned ? new List<float>[b] : null;
        for (int e = 0; e < b; e++)
        {
            var target = Items[(int)indices[e]];
            var seq = new List<short>();
            phonemes[e] = [];
            if (starts is not null) starts[e] = [];
            int promptFrames = 0;
            if (rng.NextDouble() < prompts.PromptShare)
            {
                var mates = bySpeaker[target.Speaker];
                var mate = mates.Length > 1 && rng.NextDouble() < prompts.PairShare ? Items[mates[rng.Next(mates.Length)]] : null;
                if (mate is not null && mate != target && mate.Frames(d) + target.Frames(d) <= positions)
                {
                    seq.AddRange(mate.Codes);
                    phonemes[e].AddRange(mate.Phonemes);
                    starts?[e].AddRange(mate.Starts!);
                    promptFrames = mate.Frames(d);
                }
                else promptFrames = (int)(rng.NextDouble() * prompts.MaxPrefix * Math.Min(target.Frames(d), positions));
            }
            int offset = seq.Count / d;
            seq.AddRange(target.Codes);
            phonemes[e].AddRange(target.Phonemes);
            starts?[e].AddRange(target.Starts!.Select(s => s + offset));
            seqs[e] = seq;
            lengths[e] = Math.Min(positions, seq.Count / d);
            prompt[e] = Math.Min(promptFrames, lengths[e] - 1);
        }
        int width = (int)lengths.Max();
        var codes = new long[(long)b * width * d];
        for (int e = 0; e < b; e++)
            for (int i = 0; i < lengths[e] * d; i++) codes[((long)e * width * d) + i] = seqs[e][i];
        var tokens = new TokenBatch(torch.tensor(codes, [b, width, d], device: device), torch.tensor(lengths, device: device),
            prompts.PromptShare > 0 ? torch.tensor(prompt, device: device) : null);
        // starts as fractions of each example's positions (phonemes of a cut tail start at or past 1)
        var fractions = starts?.Select((s, e) => (IReadOnlyList<float>)[.. s.Select(v => v / lengths[e])]).ToList();
        return (tokens, PhonemeCondition.Of(phonemes, device, fractions));
    }

    /// <summary>Writes the set atomically.</summary>
    public void Save(string path)
    {
        using var scope = torch.NewDisposeScope();
        var offsets = new long[Count + 1];
        var poffsets = new long[Count + 1];
        for (int i = 0; i < Count; i++)
        {
            offsets[i + 1] = offsets[i] + Items[i].Frames(Depth);
            poffsets[i + 1] = poffsets[i] + Items[i].Phonemes.Length;
        }
        var codes = torch.tensor(Items.SelectMany(i => i.Codes).ToArray(), [offsets[^1], Depth]);
        var phon = torch.tensor(Items.SelectMany(i => i.Phonemes.Select(p => (short)p)).ToArray());
        var tensors = new Dictionary<string, Tensor>
        {
            ["codes"] = codes,
            ["offsets"] = torch.tensor(offsets),
            ["phonemes"] = phon,
            ["phoneme_offsets"] = torch.tensor(poffsets),
        };
        if (Aligned) tensors["phoneme_starts"] = torch.tensor(Items.SelectMany(i => i.Starts!).ToArray());
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["depth"] = Depth.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["codebook_size"] = CodebookSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["vocabulary"] = Vocabulary.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["frame_rate"] = FrameRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            ["tokenizer_hash"] = TokenizerHash,
            ["ids"] = JsonSerializer.Serialize(Items.Select(i => i.Id)),
            ["speakers"] = JsonSerializer.Serialize(Items.Select(i => i.Speaker)),
        };
        SafetensorsFile.WriteAtomic(path, tensors, meta);
    }

    /// <summary>Whether <paramref name="path"/> is a speech token file (reads its header only; false for anything unreadable).</summary>
    public static bool IsSpeechTokens(string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            return SafetensorsFile.ReadHeader(path, "token file").Metadata.TryGetValue("format", out var f) && f == Format;
        }
        catch (UserErrorException) { return false; }
        catch (IOException) { return false; }
    }

    /// <summary>Reads a set written by <see cref="Save"/>; a clear error for anything else.</summary>
    public static SpeechTokens Load(string path)
    {
        if (!File.Exists(path)) throw new UserErrorException($"speech token file '{path}' does not exist; make it with `resgen tokenizer encode` on a speech corpus.");
        var header = SafetensorsFile.ReadHeader(path, "speech token file");
        if (!header.Metadata.TryGetValue("format", out var f) || f != Format)
            throw new UserErrorException($"'{path}' is not a speech token file (no '{Format}' format in its metadata).");
        using var scope = torch.NewDisposeScope();
        var t = SafetensorsFile.Load(path, "speech token file");
        try
        {
            int depth = int.Parse(header.Metadata["depth"], System.Globalization.CultureInfo.InvariantCulture);
            var ids = JsonSerializer.Deserialize<string[]>(header.Metadata["ids"])!;
            var speakers = JsonSerializer.Deserialize<string[]>(header.Metadata["speakers"])!;
            var codes = t["codes"].to(ScalarType.Int16).data<short>().ToArray();
            var offsets = t["offsets"].data<long>().ToArray();
            var phon = t["phonemes"].to(ScalarType.Int16).data<short>().ToArray();
            var poff = t["phoneme_offsets"].data<long>().ToArray();
            var starts = t.TryGetValue("phoneme_starts", out var st) ? st.to(ScalarType.Float32).data<float>().ToArray() : null;
            if (ids.Length != speakers.Length || offsets.Length != ids.Length + 1 || poff.Length != ids.Length + 1
                || offsets[^1] * depth != codes.Length || poff[^1] != phon.Length || (starts is not null && starts.Length != phon.Length))
                throw new FormatException("inconsistent sizes");
            var items = new SpeechTokenItem[ids.Length];
            for (int i = 0; i < ids.Length; i++)
                items[i] = new SpeechTokenItem(ids[i], speakers[i], codes[(int)(offsets[i] * depth)..(int)(offsets[i + 1] * depth)],
                    [.. phon[(int)poff[i]..(int)poff[i + 1]].Select(p => (int)p)], starts?[(int)poff[i]..(int)poff[i + 1]]);
            return new SpeechTokens(items, depth, int.Parse(header.Metadata["codebook_size"], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(header.Metadata["vocabulary"], System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(header.Metadata["frame_rate"], System.Globalization.CultureInfo.InvariantCulture), header.Metadata["tokenizer_hash"]);
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or JsonException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            throw new UserErrorException($"speech token file '{path}' is damaged ({e.Message}).");
        }
    }
}
