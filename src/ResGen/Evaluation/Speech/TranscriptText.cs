using System.Globalization;
using System.Text;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// The one text normalisation applied to references, recognizer hypotheses and the sentences a
/// language model is built from, so that the three always agree on what a word is.
/// </summary>
/// <remarks>
/// Rules, in order: letters are lower-cased (invariant culture); whitespace, dashes and hyphens
/// (Unicode category Pd), slashes and backslashes separate words; apostrophes (' ’ ‘ ʼ, written as ')
/// are kept between two letters or digits ("don't", "o'clock") and dropped elsewhere ("'tis" → "tis",
/// "dogs'" → "dogs"); every other punctuation mark or symbol is deleted without separating
/// ("U.S." → "us", "1,000" → "1000"); digits stay as they are (no number expansion); runs of
/// separators collapse to one space and the ends are trimmed.
/// </remarks>
public static class TranscriptText
{
    /// <summary>The normalised text: lower-case words separated by single spaces ("" when no word is left).</summary>
    public static string Normalize(string text) => string.Join(' ', Words(text));

    /// <summary>The normalised words of <paramref name="text"/>, in order.</summary>
    public static string[] Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var word = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsLetterOrDigit(c)) word.Append(char.ToLowerInvariant(c));
            else if (IsApostrophe(c))
            {
                // inside a word only: a letter or digit already written and one coming next
                if (word.Length > 0 && char.IsLetterOrDigit(word[^1]) && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
                    word.Append('\'');
            }
            else if (IsSeparator(c)) Flush(word, words);
            else if (char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark) word.Append(c);
            // any other punctuation or symbol is deleted in place
        }

        Flush(word, words);
        return [.. words];
    }

    static void Flush(StringBuilder word, List<string> words)
    {
        if (word.Length > 0) words.Add(word.ToString());
        word.Clear();
    }

    static bool IsApostrophe(char c) => c is '\'' or '\u2019' or '\u2018' or '\u02BC';

    static bool IsSeparator(char c) =>
        char.IsWhiteSpace(c) || c is '/' or '\\' || char.GetUnicodeCategory(c) == UnicodeCategory.DashPunctuation;
}
