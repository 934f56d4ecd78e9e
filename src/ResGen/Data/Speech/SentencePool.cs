using System.Text.RegularExpressions;

namespace ResGen.Data.Speech;

/// <summary>One sentence of the pool and where it came from (e.g. <c>fortunes/wisdom</c>, <c>wordnet/verb</c>).</summary>
public sealed record PoolSentence(string Text, string Source);

/// <summary>
/// The sentences a speech corpus is read from: the fortune-cookie files of the Debian packages
/// fortunes and fortunes-min (the plain-text files of /usr/share/games/fortunes; the .dat indexes, .u8
/// links, the offensive set off/, the pictures of ascii-art and the Latin of translate-me are skipped) and the quoted usage examples
/// of WordNet's glosses (wordnet-base: /usr/share/wordnet/data.noun, .verb, .adj, .adv), each cleaned
/// by <see cref="SentenceCleaner"/>, deduplicated without regard to case (the first source in file
/// order keeps it) and sorted ordinally, so the same files always give the same pool.
/// </summary>
public static partial class SentencePool
{
    /// <summary>Where Debian's fortunes and fortunes-min put their files.</summary>
    public const string FortunesFolder = "/usr/share/games/fortunes";
    /// <summary>Where Debian's wordnet-base puts its database.</summary>
    public const string WordNetFolder = "/usr/share/wordnet";

    static readonly HashSet<string> SkippedFortunes = new(StringComparer.Ordinal) { "ascii-art", "translate-me" };

    /// <summary>
    /// Reads the installed sources; a folder that is missing or holds no usable file is one sentence
    /// naming the Debian packages.
    /// </summary>
    public static IReadOnlyList<PoolSentence> Load(string fortunesFolder = FortunesFolder, string wordNetFolder = WordNetFolder)
    {
        var fortuneFiles = FortuneFiles(fortunesFolder);
        if (fortuneFiles.Count == 0)
            throw new UserErrorException($"no fortune files in '{fortunesFolder}'; install the Debian packages fortunes and fortunes-min (sudo apt-get install fortunes fortunes-min).");
        var wordNetFiles = new[] { "noun", "verb", "adj", "adv" }.Select(p => (Part: p, Path: Path.Combine(wordNetFolder, "data." + p))).ToList();
        if (wordNetFiles.Any(f => !File.Exists(f.Path)))
            throw new UserErrorException($"WordNet's data files are missing from '{wordNetFolder}'; install the Debian package wordnet-base (sudo apt-get install wordnet-base).");

        var found = new List<PoolSentence>();
        foreach (var file in fortuneFiles)
            foreach (var s in FortuneSentences(File.ReadAllText(file)))
                found.Add(new PoolSentence(s, "fortunes/" + Path.GetFileName(file)));
        foreach (var (part, path) in wordNetFiles)
            foreach (var s in File.ReadLines(path).SelectMany(WordNetExamples))
                found.Add(new PoolSentence(s, "wordnet/" + part));
        return Deduplicate(found);
    }

    /// <summary>The plain-text fortune files of <paramref name="folder"/>, in ordinal order.</summary>
    public static List<string> FortuneFiles(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        return [.. Directory.GetFiles(folder)
            .Where(f => Path.GetExtension(f) is not (".dat" or ".u8") && !SkippedFortunes.Contains(Path.GetFileName(f)) && !Path.GetFileName(f).StartsWith('.'))
            .Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The clean sentences of a fortune file: records separated by lines holding only <c>%</c>.</summary>
    public static IEnumerable<string> FortuneSentences(string fileText)
    {
        foreach (var record in RecordSeparator().Split(fileText.Replace("\r\n", "\n")))
            foreach (var s in SentenceCleaner.Sentences(record))
                yield return s;
    }

    /// <summary>
    /// The clean usage examples of one line of a WordNet data file: the double-quoted parts of the gloss
    /// after <c>|</c> (<c>... | a definition; "the dog barked"</c>). License lines (starting with a space) give none.
    /// </summary>
    public static IEnumerable<string> WordNetExamples(string line)
    {
        if (line.Length == 0 || line[0] == ' ') yield break;
        int bar = line.IndexOf(" | ", StringComparison.Ordinal);
        if (bar < 0) yield break;
        foreach (Match m in Quoted().Matches(line[(bar + 3)..]))
            if (SentenceCleaner.Clean(m.Groups[1].Value, completeFragment: true) is { } s)
                yield return s;
    }

    /// <summary>Drops later duplicates (compared without case), then sorts by text (ordinal).</summary>
    public static IReadOnlyList<PoolSentence> Deduplicate(IEnumerable<PoolSentence> sentences)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return [.. sentences.Where(s => seen.Add(s.Text)).OrderBy(s => s.Text, StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"\n%\n|^%\n|\n%$")]
    private static partial Regex RecordSeparator();

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex Quoted();
}
