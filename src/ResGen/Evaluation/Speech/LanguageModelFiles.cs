using System.Text.Json.Serialization;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// An in-domain language model on disk, as <see cref="LanguageModel.Build"/> leaves it in its cache:
/// the ARPA trigram model, the pronunciation dictionary of exactly its words, and what was left out.
/// </summary>
/// <param name="Folder">The cache entry's folder (named after <paramref name="Hash"/>).</param>
/// <param name="Hash">Content hash of the normalised sentences, the source dictionary and the method.</param>
/// <param name="Sentences">Sentences the model was estimated from.</param>
/// <param name="DroppedSentences">Sentences left out because a word had no pronunciation (or no word was left after normalisation).</param>
/// <param name="UnknownWords">The words without a pronunciation, in ordinal order.</param>
/// <param name="Words">Vocabulary size (sentence markers excluded); the dictionary covers all of them.</param>
/// <param name="NgramCounts">Distinct n-grams per order (unigrams first).</param>
public sealed record LanguageModelFiles(
    string Folder, string Hash, int Sentences, int DroppedSentences, IReadOnlyList<string> UnknownWords, int Words, IReadOnlyList<int> NgramCounts)
{
    /// <summary>File name of the ARPA model inside <see cref="Folder"/>.</summary>
    public const string ArpaName = "lm.arpa";

    /// <summary>File name of the restricted dictionary inside <see cref="Folder"/>.</summary>
    public const string DictionaryName = "lm.dict";

    /// <summary>The ARPA model (pocketsphinx <c>-lm</c>).</summary>
    [JsonIgnore]
    public string ArpaPath => Path.Combine(Folder, ArpaName);

    /// <summary>The pronunciation dictionary (pocketsphinx <c>-dict</c>).</summary>
    [JsonIgnore]
    public string DictionaryPath => Path.Combine(Folder, DictionaryName);
}
