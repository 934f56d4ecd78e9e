using System.Text.Json;
using System.Text.Json.Serialization;
using ResGen.IO;

namespace ResGen.Text;

/// <summary>
/// The fixed symbol table of the <see cref="Phonemizer"/>: <see cref="Pad"/> (id 0), <see cref="Unknown"/>
/// (1), <see cref="WordBoundary"/> (2), the clause punctuation, the two stress marks and the phonemes
/// espeak-ng 1.51 produces for American English (every symbol of the corpus sentences and of the
/// 147,000 WordNet lemmas). Symbols not in the table map to <see cref="Unknown"/>. Saved with a corpus
/// as JSON (<see cref="Save"/>, <see cref="Load"/>), so a model trained on it reads the same ids.
/// </summary>
public sealed class PhonemeVocabulary
{
    /// <summary>Padding, id 0.</summary>
    public const string Pad = "<pad>";
    /// <summary>Any symbol not in the table, id 1.</summary>
    public const string Unknown = "<unk>";
    /// <summary>Between two words, id 2.</summary>
    public const string WordBoundary = "|";

    /// <summary>The format name written into a saved vocabulary.</summary>
    public const string FormatName = "resgen-phonemes/1";

    static readonly string[] Phonemes =
    [
        // consonants
        "p", "b", "t", "d", "k", "ɡ", "ʔ", "ɾ", "f", "v", "θ", "ð", "s", "z", "ʃ", "ʒ", "h", "x", "ç",
        "tʃ", "dʒ", "m", "n", "ŋ", "n̩", "l", "əl", "ɬ", "ɹ", "r", "w", "j", "ɡʲ", "nʲ",
        // vowels
        "iː", "i", "ɪ", "ᵻ", "e", "ɛ", "æ", "ɐ", "ə", "ɚ", "ɜː", "ʌ", "uː", "u", "ʊ", "oː", "o", "ɔː", "ɔ", "ɑː", "ɑ̃", "ɔ̃",
        // diphthongs and r-coloured vowels
        "eɪ", "aɪ", "ɔɪ", "aʊ", "oʊ", "iə", "aɪə", "aɪɚ", "ɑːɹ", "ɔːɹ", "oːɹ", "ɛɹ", "ɪɹ", "ʊɹ",
    ];

    /// <summary>The table the phonemizer's output is written in.</summary>
    public static PhonemeVocabulary Default { get; } = new(
        [Pad, Unknown, WordBoundary, .. Phonemizer.Punctuation, .. Phonemizer.StressMarks.Order(StringComparer.Ordinal), .. Phonemes],
        "espeak-ng 1.51, voice en-us, IPA phonemes, separate stress marks");

    readonly Dictionary<string, int> ids;

    /// <summary>A table of <paramref name="symbols"/>; the first three must be the pad, unknown and word-boundary symbols.</summary>
    public PhonemeVocabulary(IReadOnlyList<string> symbols, string description)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        if (symbols.Count < 3 || symbols[0] != Pad || symbols[1] != Unknown || symbols[2] != WordBoundary)
            throw new ArgumentException($"a phoneme vocabulary starts with {Pad}, {Unknown} and {WordBoundary}, got {string.Join(", ", symbols.Take(3))}.", nameof(symbols));
        ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < symbols.Count; i++)
        {
            if (string.IsNullOrEmpty(symbols[i]) || symbols[i].Any(char.IsWhiteSpace))
                throw new ArgumentException($"symbol {i} of a phoneme vocabulary is empty or holds a space: '{symbols[i]}'.", nameof(symbols));
            if (!ids.TryAdd(symbols[i], i))
                throw new ArgumentException($"symbol '{symbols[i]}' appears twice in a phoneme vocabulary (ids {ids[symbols[i]]} and {i}).", nameof(symbols));
        }
        Symbols = [.. symbols];
        Description = description;
    }

    /// <summary>The symbols, indexed by id.</summary>
    public IReadOnlyList<string> Symbols { get; }
    /// <summary>How the symbols were made (engine, version, voice).</summary>
    public string Description { get; }
    /// <summary>The number of ids.</summary>
    public int Count => Symbols.Count;
    /// <summary>Id of <see cref="Pad"/>.</summary>
    public int PadId => 0;
    /// <summary>Id of <see cref="Unknown"/>.</summary>
    public int UnknownId => 1;
    /// <summary>Id of <see cref="WordBoundary"/>.</summary>
    public int WordBoundaryId => 2;

    /// <summary>The id of <paramref name="symbol"/>, or <see cref="UnknownId"/>.</summary>
    public int IdOf(string symbol) => ids.TryGetValue(symbol, out int id) ? id : UnknownId;

    /// <summary>Whether <paramref name="symbol"/> has an id of its own.</summary>
    public bool Contains(string symbol) => ids.ContainsKey(symbol);

    /// <summary>The ids of <paramref name="symbols"/> (unknown ones as <see cref="UnknownId"/>).</summary>
    public int[] Encode(IEnumerable<string> symbols) => [.. symbols.Select(IdOf)];

    /// <summary>The symbols of <paramref name="ids"/>; an id outside the table is an error.</summary>
    public string[] Decode(IEnumerable<int> ids) => [.. ids.Select(i => i >= 0 && i < Count ? Symbols[i]
        : throw new ArgumentOutOfRangeException(nameof(ids), $"phoneme id {i} is outside the vocabulary of {Count} symbols."))];

    /// <summary>Writes the table as JSON, atomically.</summary>
    public void Save(string path) => AtomicFile.WriteText(path, ToJson());

    /// <summary>The JSON text <see cref="Save"/> writes.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Stored(FormatName, Description, [.. Symbols]), Json) + "\n";

    /// <summary>Reads a table saved by <see cref="Save"/>; a missing or damaged file is one sentence.</summary>
    public static PhonemeVocabulary Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new UserErrorException($"phoneme vocabulary '{path}' does not exist.");
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"phoneme vocabulary '{path}' is damaged ({e.Message.TrimEnd('.')}).", e);
        }
        if (stored is null || stored.Format != FormatName || stored.Symbols is null)
            throw new UserErrorException($"'{path}' is not a phoneme vocabulary (format {FormatName} expected).");
        try
        {
            return new PhonemeVocabulary(stored.Symbols, stored.Description ?? "");
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException($"phoneme vocabulary '{path}' is damaged: {e.Message}", e);
        }
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    sealed record Stored(
        [property: JsonPropertyName("format")] string? Format,
        [property: JsonPropertyName("description")] string? Description,
        [property: JsonPropertyName("symbols")] string[]? Symbols);
}
