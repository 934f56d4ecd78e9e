namespace ResGen.Evaluation.Speech;

/// <summary>
/// A pocketsphinx pronunciation dictionary (CMUdict style: <c>word PH1 PH2 …</c>, alternatives as
/// <c>word(2) …</c>), read into memory so that a language model's words can be checked against it
/// and a dictionary restricted to those words can be written.
/// </summary>
public sealed class PronunciationDictionary
{
    // word → its pronunciation lines, exactly as in the file, in file order
    readonly Dictionary<string, List<string>> entries;

    PronunciationDictionary(Dictionary<string, List<string>> entries) => this.entries = entries;

    /// <summary>Number of distinct words.</summary>
    public int Count => entries.Count;

    /// <summary>Whether <paramref name="word"/> has a pronunciation.</summary>
    public bool Contains(string word) => entries.ContainsKey(word);

    /// <summary>Reads a dictionary file; words are matched as written (CMUdict's are lower case).</summary>
    /// <exception cref="UserErrorException">The file is missing, unreadable or holds no entry.</exception>
    public static PronunciationDictionary Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"Cannot read the pronunciation dictionary '{path}' ({e.Message}); the Debian package pocketsphinx-en-us installs the default one.", e);
        }

        var entries = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith(";;", StringComparison.Ordinal) || trimmed.StartsWith('#')) continue;
            int space = trimmed.IndexOfAny([' ', '\t']);
            if (space <= 0) continue; // a word without phones is no pronunciation
            string word = BaseWord(trimmed[..space]);
            if (!entries.TryGetValue(word, out var list)) entries[word] = list = [];
            list.Add(trimmed);
        }

        if (entries.Count == 0) throw new UserErrorException($"The pronunciation dictionary '{path}' holds no entry (expected lines like 'word W ER D').");
        return new PronunciationDictionary(entries);
    }

    /// <summary>Writes the entries (alternatives included) of <paramref name="words"/>, in the order given; unknown words are skipped.</summary>
    public void WriteRestricted(IEnumerable<string> words, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var word in words)
            if (entries.TryGetValue(word, out var lines))
                foreach (var line in lines)
                {
                    writer.Write(line);
                    writer.Write('\n');
                }
    }

    /// <summary>"word(2)" → "word".</summary>
    static string BaseWord(string token)
    {
        int paren = token.IndexOf('(');
        return paren > 0 && token.EndsWith(')') ? token[..paren] : token;
    }
}
