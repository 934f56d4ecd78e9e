using System.Text.RegularExpressions;

namespace ResGen.Data.Speech;

/// <summary>
/// Turns raw text (a fortune cookie, a dictionary usage example) into plain English sentences a speech
/// corpus can use: ASCII letters, spaces and <c>, . ? ! ' -</c> only; 5 to 14 words; starting with a
/// capital letter and ending with <c>. ? !</c>; no digits, URLs, quotes, brackets or other symbols,
/// no word of two or more capitals (shouting, acronyms), no dashes between words; whitespace normalised.
/// </summary>
public static partial class SentenceCleaner
{
    /// <summary>Fewest words a sentence may have.</summary>
    public const int MinWords = 5;
    /// <summary>Most words a sentence may have.</summary>
    public const int MaxWords = 14;

    /// <summary>
    /// The sentences of a passage (several lines of one fortune, say): lines that are attributions
    /// (<c>-- Author</c>) or bracketed notes are dropped, the rest joined, split after <c>. ? !</c>, and
    /// each piece cleaned; pieces that are no clean sentence are left out.
    /// </summary>
    public static IEnumerable<string> Sentences(string passage)
    {
        ArgumentNullException.ThrowIfNull(passage);
        var kept = passage.Split('\n').Where(line => !IsAttributionOrNote(line));
        string joined = string.Join(' ', kept);
        int start = 0;
        foreach (Match end in SentenceEnd().Matches(joined))
        {
            // "Mr. Smith" or "St. Louis" goes on: the piece then holds an inner full stop and is dropped as a whole
            if (Abbreviations.Contains(end.Groups["word"].Value)) continue;
            if (Clean(joined[start..end.Index]) is { } sentence) yield return sentence;
            start = end.Index + end.Length;
        }
        if (start < joined.Length && Clean(joined[start..]) is { } last) yield return last;
    }

    /// <summary>A line like <c>	-- Mark Twain</c>, <c>— Anon.</c>, <c>[Ezek. 4:12]</c> or <c>(from the manual)</c>.</summary>
    public static bool IsAttributionOrNote(string line)
    {
        string t = line.Trim();
        return t.StartsWith("--", StringComparison.Ordinal) || t.StartsWith('—') || t.StartsWith('―') || t.StartsWith("- ", StringComparison.Ordinal)
            || (t.StartsWith('[') && t.EndsWith(']')) || (t.StartsWith('(') && t.EndsWith(')'));
    }

    /// <summary>
    /// <paramref name="raw"/> as one clean sentence, or null when it is none. Surrounding quotes are
    /// removed; with <paramref name="completeFragment"/> (dictionary examples) a lower-case start is
    /// capitalised and a missing full stop added.
    /// </summary>
    public static string? Clean(string raw, bool completeFragment = false)
    {
        ArgumentNullException.ThrowIfNull(raw);
        string s = Whitespace().Replace(raw, " ").Trim();
        s = s.Trim('"', '“', '”', '`', ' ');
        if (s.StartsWith("''", StringComparison.Ordinal)) s = s[2..].Trim();
        if (s.EndsWith("''", StringComparison.Ordinal)) s = s[..^2].Trim();
        if (s.Length == 0) return null;
        if (completeFragment)
        {
            if (char.IsAsciiLetterLower(s[0])) s = char.ToUpperInvariant(s[0]) + s[1..];
            if (s[^1] is not ('.' or '?' or '!')) s += ".";
        }
        if (!Allowed().IsMatch(s)) return null; // letters, spaces and , . ? ! ' - only
        if (!char.IsAsciiLetterUpper(s[0]) || s[^1] is not ('.' or '?' or '!')) return null;
        var words = s.Split(' ');
        if (words.Length is < MinWords or > MaxWords) return null;
        for (int i = 0; i < words.Length; i++)
        {
            string w = words[i];
            // the end of the last word is the sentence's end; inside the sentence a word may end in a comma
            string body = i == words.Length - 1 ? w[..^1] : w.EndsWith(',') ? w[..^1] : w;
            if (!Word().IsMatch(body)) return null;
            if (body.Count(char.IsAsciiLetterUpper) >= 2) return null;
        }
        return s;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Titles and abbreviations after which a full stop does not end a sentence.</summary>
    static readonly HashSet<string> Abbreviations = new(StringComparer.Ordinal)
    {
        "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Prof", "Rev", "Gen", "Col", "Capt", "Lt", "Sgt", "Gov", "Sen", "Rep", "Hon",
        "Mt", "Ft", "Ave", "Rd", "Inc", "Ltd", "Co", "Corp", "vs", "etc", "No", "Vol", "Ch", "Fig", "cf", "ca", "approx", "Messrs",
    };

    /// <summary>The end of a sentence: its last word (a possible abbreviation), the mark, the space after it.</summary>
    [GeneratedRegex(@"(?<=(?<word>[A-Za-z]*)[.?!][""')]*)\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"^[A-Za-z ,.?!'\-]+$")]
    private static partial Regex Allowed();

    /// <summary>A word: letters, with single inner hyphens or apostrophes (well-known, don't) and an optional possessive apostrophe at the end.</summary>
    [GeneratedRegex(@"^[A-Za-z]+(?:['\-][A-Za-z]+)*(?:(?<=s)')?$")]
    private static partial Regex Word();
}
