using System.Text;
using System.Text.RegularExpressions;

namespace ResGen.Text;

/// <summary>
/// English text to phoneme symbols with espeak-ng (its library, in this process), always in one fixed
/// voice (<see cref="Voice"/>, American English), whatever voice speaks the audio, so the same text
/// always gives the same symbols. Symbols are espeak-ng's IPA phonemes (a diphthong or an r-coloured
/// vowel is one symbol, length marks stay on their vowel), stress marks as symbols of their own before
/// the stressed vowel, <see cref="PhonemeVocabulary.WordBoundary"/> between words, and the punctuation
/// that ends a clause (<c>, . ? !</c>; <c>; :</c> count as a comma) after its last word.
/// </summary>
/// <example>"Hello world, is it raining?" → h ə l ˈ oʊ | w ˈ ɜː l d , | ɪ z | ɪ t | ɹ ˈ eɪ n ɪ ŋ ?</example>
public sealed partial class Phonemizer
{
    /// <summary>The espeak-ng voice whose language rules are used for every text.</summary>
    public const string Voice = "en-us";

    const char Separator = '_';

    /// <summary>Stress marks split off the vowel they precede.</summary>
    public static readonly IReadOnlySet<string> StressMarks = new HashSet<string> { "ˈ", "ˌ" };

    /// <summary>Clause-ending punctuation kept as symbols.</summary>
    public static readonly IReadOnlyList<string> Punctuation = [",", ".", "?", "!"];

    Phonemizer(string version) => EngineVersion = version;

    static readonly Lazy<Phonemizer> shared = new(() => new Phonemizer(EspeakLibrary.Open()), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The phonemizer; loading espeak-ng fails with one sentence naming the Debian package.</summary>
    public static Phonemizer Shared => shared.Value;

    /// <summary>espeak-ng's version, e.g. 1.51; phonemes may differ between versions.</summary>
    public string EngineVersion { get; }

    /// <summary>A line naming the engine, version, voice and symbol set (saved with a vocabulary).</summary>
    public string Description => $"espeak-ng {EngineVersion}, voice {Voice}, IPA phonemes, separate stress marks";

    /// <summary>The phoneme symbols of <paramref name="text"/>; text without a letter is one sentence.</summary>
    public string[] Phonemize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(char.IsLetter))
            throw new UserErrorException(text.Trim().Length == 0 ? "the text to speak is empty." : $"the text '{Shorten(text)}' has no letters to speak.");
        var symbols = new List<string>();
        foreach (Match clause in ClauseRegex().Matches(text.Normalize(NormalizationForm.FormC)))
        {
            string words = clause.Groups["words"].Value;
            if (!words.Any(char.IsLetterOrDigit)) continue;
            int before = symbols.Count;
            foreach (var part in EspeakLibrary.Phonemize(Voice, words, ipa: true, Separator))
                AddClause(symbols, part);
            if (symbols.Count == before) continue;
            string end = clause.Groups["end"].Value;
            string? mark = end.Contains('?') ? "?" : end.Contains('!') ? "!" : end.Contains('.') ? "." : end.Length > 0 ? "," : null;
            if (mark is not null) symbols.Add(mark);
        }
        if (symbols.Count == 0) throw new UserErrorException($"espeak-ng finds nothing to speak in '{Shorten(text)}'.");
        return [.. symbols];
    }

    /// <summary>Adds the words of one espeak-ng clause ("h_ə_l_ˈoʊ w_ˈɜː_l_d"), a word boundary before each word but the first.</summary>
    static void AddClause(List<string> symbols, string clause)
    {
        foreach (var word in LanguageTag().Replace(clause, " ").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var phonemes = new List<string>();
            foreach (var raw in word.Split(Separator, StringSplitOptions.RemoveEmptyEntries))
            {
                string p = raw;
                while (p.Length > 0 && StressMarks.Contains(p[..1]))
                {
                    phonemes.Add(p[..1]);
                    p = p[1..];
                }
                if (p.Length > 0) phonemes.Add(p);
            }
            if (phonemes.Count == 0) continue;
            if (symbols.Count > 0) symbols.Add(PhonemeVocabulary.WordBoundary);
            symbols.AddRange(phonemes);
        }
    }

    static string Shorten(string text) => text.Length <= 60 ? text.Trim() : text[..57].Trim() + "...";

    /// <summary>A clause: everything up to a run of clause-ending punctuation (which ends it).</summary>
    [GeneratedRegex(@"(?<words>[^,.;:?!]*)(?<end>[,.;:?!]*)")]
    private static partial Regex ClauseRegex();

    /// <summary>espeak-ng's language switches, e.g. (fr) ... (en), inside a clause.</summary>
    [GeneratedRegex(@"\([a-z\-]+\)")]
    private static partial Regex LanguageTag();
}
