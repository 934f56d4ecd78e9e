using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ResGen.Text;

namespace ResGen.Data.Speech;

/// <summary>One line of a corpus manifest: an utterance, its speaker, split, text, phonemes and WAV file.</summary>
public sealed record SpeechUtterance
{
    /// <summary>Utterance id, <c>SPEAKER_NNNN</c>.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    /// <summary>Speaker id.</summary>
    [JsonPropertyName("speaker")] public required string Speaker { get; init; }
    /// <summary>The speaker's engine and settings in words.</summary>
    [JsonPropertyName("speaker_description")] public required string SpeakerDescription { get; init; }
    /// <summary><c>train</c>, <c>held-out-sentence</c> or <c>held-out-speaker</c> (see <see cref="CorpusPlan"/>).</summary>
    [JsonPropertyName("split")] public required string Split { get; init; }
    /// <summary>The sentence spoken.</summary>
    [JsonPropertyName("text")] public required string Text { get; init; }
    /// <summary>Where the sentence came from, e.g. <c>wordnet/verb</c>.</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }
    /// <summary>The phoneme symbols of the text, separated by spaces (see <see cref="Phonemizer"/>).</summary>
    [JsonPropertyName("phonemes")] public required string Phonemes { get; init; }
    /// <summary>The WAV file relative to the corpus folder (16 kHz, mono, 16-bit).</summary>
    [JsonPropertyName("wav")] public required string Wav { get; init; }
    /// <summary>Samples in the WAV file.</summary>
    [JsonPropertyName("samples")] public required int Samples { get; init; }
    /// <summary>Length in seconds.</summary>
    [JsonPropertyName("seconds")] public required double Seconds { get; init; }
}

/// <summary>Speakers, utterances and seconds of audio in one split.</summary>
public sealed record SplitCounts(
    [property: JsonPropertyName("speakers")] int Speakers,
    [property: JsonPropertyName("utterances")] int Utterances,
    [property: JsonPropertyName("seconds")] double Seconds);

/// <summary>The corpus metadata, <c>corpus.json</c>.</summary>
public sealed record SpeechCorpusInfo
{
    /// <summary>The format name.</summary>
    [JsonPropertyName("format")] public required string Format { get; init; }
    /// <summary>The seed the speakers, the held-out sentences and the sentence order came from.</summary>
    [JsonPropertyName("seed")] public required ulong Seed { get; init; }
    /// <summary>Sample rate of every WAV file.</summary>
    [JsonPropertyName("sample_rate")] public required int SampleRate { get; init; }
    /// <summary>Utterances per speaker.</summary>
    [JsonPropertyName("per_speaker")] public required int PerSpeaker { get; init; }
    /// <summary>The share of the sentence pool held out of training.</summary>
    [JsonPropertyName("held_out_sentence_share")] public required double HeldOutSentenceShare { get; init; }
    /// <summary>The manifest file (JSON Lines, one <see cref="SpeechUtterance"/> per line).</summary>
    [JsonPropertyName("manifest")] public required string Manifest { get; init; }
    /// <summary>The phoneme vocabulary file.</summary>
    [JsonPropertyName("vocabulary")] public required string Vocabulary { get; init; }
    /// <summary>The phonemizer: engine, version, voice, symbols.</summary>
    [JsonPropertyName("phonemizer")] public required string Phonemizer { get; init; }
    /// <summary>Versions of the speech engines used.</summary>
    [JsonPropertyName("engines")] public required SortedDictionary<string, string> Engines { get; init; }
    /// <summary>Sentences in the pool: total, training, held out, and per source.</summary>
    [JsonPropertyName("sentences")] public required SortedDictionary<string, int> Sentences { get; init; }
    /// <summary>Counts per split.</summary>
    [JsonPropertyName("splits")] public required SortedDictionary<string, SplitCounts> Splits { get; init; }
    /// <summary>Every speaker with its settings.</summary>
    [JsonPropertyName("speakers")] public required IReadOnlyList<SpeakerSpec> Speakers { get; init; }
}

/// <summary>
/// A speech corpus folder as <c>resgen data speech</c> writes it: <c>corpus.json</c> (metadata),
/// <c>manifest.jsonl</c> (one utterance per line), <c>phonemes.json</c> (the vocabulary) and
/// <c>wavs/SPEAKER/ID.wav</c>.
/// </summary>
public sealed class SpeechCorpus
{
    /// <summary>The format name in <c>corpus.json</c>.</summary>
    public const string FormatName = "resgen-speech-corpus/1";
    /// <summary>The metadata file's name.</summary>
    public const string InfoFile = "corpus.json";
    /// <summary>The manifest's name.</summary>
    public const string ManifestFile = "manifest.jsonl";
    /// <summary>The vocabulary's name.</summary>
    public const string VocabularyFile = "phonemes.json";

    SpeechCorpus(string root, SpeechCorpusInfo info, IReadOnlyList<SpeechUtterance> utterances, PhonemeVocabulary vocabulary)
    {
        Root = root;
        Info = info;
        Utterances = utterances;
        Vocabulary = vocabulary;
    }

    /// <summary>The corpus folder.</summary>
    public string Root { get; }
    /// <summary>The metadata.</summary>
    public SpeechCorpusInfo Info { get; }
    /// <summary>Every utterance, in manifest order.</summary>
    public IReadOnlyList<SpeechUtterance> Utterances { get; }
    /// <summary>The phoneme vocabulary.</summary>
    public PhonemeVocabulary Vocabulary { get; }

    /// <summary>The utterances of one split.</summary>
    public IEnumerable<SpeechUtterance> Split(string split) => Utterances.Where(u => u.Split == split);

    /// <summary>The full path of an utterance's WAV file.</summary>
    public string WavPath(SpeechUtterance utterance) => Path.Combine(Root, utterance.Wav);

    /// <summary>Reads a corpus folder; a missing folder, manifest or vocabulary, or a damaged one, is one sentence.</summary>
    public static SpeechCorpus Load(string dir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        if (!Directory.Exists(dir)) throw new UserErrorException($"speech corpus folder '{dir}' does not exist.");
        string infoPath = Path.Combine(dir, InfoFile);
        if (!File.Exists(infoPath))
            throw new UserErrorException($"'{dir}' holds no finished speech corpus ({InfoFile} is missing); build one with `resgen data speech --out {dir}`.");
        SpeechCorpusInfo? info;
        try { info = JsonSerializer.Deserialize<SpeechCorpusInfo>(File.ReadAllText(infoPath), Json); }
        catch (JsonException e) { throw new UserErrorException($"'{infoPath}' is damaged ({e.Message.TrimEnd('.')}).", e); }
        if (info is null || info.Format != FormatName)
            throw new UserErrorException($"'{infoPath}' is not a speech corpus description (format {FormatName} expected).");

        string manifestPath = Path.Combine(dir, info.Manifest);
        if (!File.Exists(manifestPath)) throw new UserErrorException($"the manifest '{manifestPath}' of speech corpus '{dir}' is missing.");
        var utterances = new List<SpeechUtterance>();
        int line = 0;
        foreach (var text in File.ReadLines(manifestPath))
        {
            line++;
            if (text.Length == 0) continue;
            try
            {
                var u = JsonSerializer.Deserialize<SpeechUtterance>(text, Json) ?? throw new JsonException("null entry");
                if (!CorpusPlan.Splits.Contains(u.Split)) throw new JsonException($"unknown split '{u.Split}'");
                utterances.Add(u);
            }
            catch (JsonException e)
            {
                throw new UserErrorException($"line {line} of manifest '{manifestPath}' is damaged ({e.Message.TrimEnd('.')}).", e);
            }
        }
        int expected = info.Splits.Values.Sum(s => s.Utterances);
        if (utterances.Count != expected)
            throw new UserErrorException($"manifest '{manifestPath}' lists {utterances.Count} utterances but {InfoFile} counts {expected}; the corpus is damaged (build it again).");
        var vocabulary = PhonemeVocabulary.Load(Path.Combine(dir, info.Vocabulary));
        return new SpeechCorpus(dir, info, utterances, vocabulary);
    }

    /// <summary>The JSON settings of corpus files: readable IPA, snake_case names.</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
