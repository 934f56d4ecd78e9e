using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ResGen.Config;
using ResGen.IO;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// Builds the in-domain language model a speech evaluation recognizes with: an interpolated
/// Kneser-Ney trigram (<see cref="KneserNeyLanguageModel"/>) over the corpus' sentence pool and a
/// pronunciation dictionary holding exactly its words, taken from CMUdict.
/// </summary>
/// <remarks>
/// Sentences are normalised with <see cref="TranscriptText"/>. A sentence with a word that CMUdict
/// lacks (a name, a number written in digits) is left out of the model rather than given a guessed
/// pronunciation, so every word the recognizer can output has a pronunciation a person wrote;
/// <see cref="LanguageModelFiles.DroppedSentences"/> and <see cref="LanguageModelFiles.UnknownWords"/>
/// say what this cost. The result is cached under <c>cacheFolder/&lt;hash&gt;/</c>, keyed by the
/// sorted normalised sentences, the dictionary's bytes and <see cref="Method"/>; a second build of
/// the same pool reads the cached entry instead of estimating again. Entries are written file by file
/// atomically with <c>info.json</c> last, so a half-written entry is never taken for a finished one.
/// </remarks>
public static class LanguageModel
{
    /// <summary>Names the estimation method in the cache key; change it whenever the output would change.</summary>
    public const string Method = "kneser-ney-interpolated-trigram-v1";

    /// <summary>The n-gram order.</summary>
    public const int Order = 3;

    const string InfoName = "info.json";

    /// <summary>
    /// The language model of <paramref name="sentences"/>: read from the cache when an entry for the
    /// same content exists, else estimated and written there.
    /// </summary>
    /// <param name="sentences">The sentence pool (raw text; normalised here).</param>
    /// <param name="cacheFolder">Folder holding one sub-folder per model; created if missing.</param>
    /// <param name="dictionaryPath">A CMUdict-style dictionary; <see cref="PocketSphinx.CmuDictionary"/> when null.</param>
    /// <exception cref="UserErrorException">The dictionary is missing or unreadable, or no sentence is left.</exception>
    public static LanguageModelFiles Build(IEnumerable<string> sentences, string cacheFolder, string? dictionaryPath = null)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheFolder);
        cacheFolder = Path.GetFullPath(cacheFolder);   // the recognizer runs in another working directory
        dictionaryPath ??= PocketSphinx.CmuDictionary;

        var normalised = sentences.Select(TranscriptText.Words).ToList();
        string hash = Hash(normalised, dictionaryPath);
        string folder = Path.Combine(cacheFolder, hash);
        if (TryLoad(folder) is { } cached) return cached;

        var dictionary = PronunciationDictionary.Read(dictionaryPath);
        var kept = new List<string[]>();
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        int dropped = 0;
        foreach (var words in normalised)
        {
            bool known = words.Length > 0;
            foreach (var w in words)
                if (!dictionary.Contains(w)) { unknown.Add(w); known = false; }
            if (known) kept.Add(words);
            else dropped++;
        }

        if (kept.Count == 0)
            throw new UserErrorException($"None of the {normalised.Count} sentences has all its words in the pronunciation dictionary '{dictionaryPath}', so no language model can be built from them.");

        var model = KneserNeyLanguageModel.Estimate(kept, Order);
        var files = new LanguageModelFiles(folder, hash, kept.Count, dropped, [.. unknown], model.Words.Count, model.Counts);
        Write(files, model, dictionary);
        return files;
    }

    static void Write(LanguageModelFiles files, KneserNeyLanguageModel model, PronunciationDictionary dictionary)
    {
        try
        {
            AtomicFile.Write(files.ArpaPath, stream =>
            {
                using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                model.WriteArpa(writer);
            });
            AtomicFile.Write(files.DictionaryPath, stream =>
            {
                using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                dictionary.WriteRestricted(model.Words, writer);
            });
            AtomicFile.WriteText(Path.Combine(files.Folder, InfoName), JsonSerializer.Serialize(files, ConfigJson.Indented) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"Cannot write the language model to '{files.Folder}' ({e.Message}); choose a cache folder that can be written.", e);
        }
    }

    /// <summary>The finished cache entry in <paramref name="folder"/>, or null when there is none (or it is damaged).</summary>
    static LanguageModelFiles? TryLoad(string folder)
    {
        string info = Path.Combine(folder, InfoName);
        if (!File.Exists(info)) return null;
        try
        {
            var files = JsonSerializer.Deserialize<LanguageModelFiles>(File.ReadAllText(info), ConfigJson.Indented);
            if (files is null) return null;
            files = files with { Folder = folder };
            return File.Exists(files.ArpaPath) && File.Exists(files.DictionaryPath) ? files : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null; // rebuilt and overwritten
        }
    }

    /// <summary>First 16 hex digits of SHA-256 over the method, the dictionary's bytes and the sorted normalised sentences.</summary>
    static string Hash(List<string[]> normalised, string dictionaryPath)
    {
        byte[] dictionaryHash;
        try
        {
            using var stream = File.OpenRead(dictionaryPath);
            dictionaryHash = SHA256.HashData(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"Cannot read the pronunciation dictionary '{dictionaryPath}' ({e.Message}); the Debian package pocketsphinx-en-us installs the default one.", e);
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{Method}\n{Order}\n"));
        sha.AppendData(dictionaryHash);
        foreach (var line in normalised.Select(w => string.Join(' ', w)).Order(StringComparer.Ordinal))
            sha.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }
}
