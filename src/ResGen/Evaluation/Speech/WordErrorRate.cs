namespace ResGen.Evaluation.Speech;

/// <summary>
/// Corpus-level word error rate: the substitutions, deletions and insertions of every utterance are
/// summed and divided by the summed reference words, WER = (S + D + I) / N. This weighs every word
/// alike, unlike a mean of per-utterance rates, which would let a two-word sentence count as much
/// as a fourteen-word one. Both texts go through <see cref="TranscriptText"/> first.
/// </summary>
public sealed class WordErrorRate
{
    WordErrorRate(IReadOnlyList<UtteranceErrors> utterances)
    {
        Utterances = utterances;
        foreach (var u in utterances)
        {
            Substitutions += u.Substitutions;
            Deletions += u.Deletions;
            Insertions += u.Insertions;
            ReferenceWords += u.ReferenceWords;
        }
    }

    /// <summary>The per-utterance results, in the order given.</summary>
    public IReadOnlyList<UtteranceErrors> Utterances { get; }

    /// <summary>Total substitutions.</summary>
    public int Substitutions { get; }

    /// <summary>Total deletions.</summary>
    public int Deletions { get; }

    /// <summary>Total insertions.</summary>
    public int Insertions { get; }

    /// <summary>Total reference words (N).</summary>
    public int ReferenceWords { get; }

    /// <summary>S + D + I over all utterances.</summary>
    public int Errors => Substitutions + Deletions + Insertions;

    /// <summary>(S + D + I) / N over all utterances (0 when there is neither a reference nor a hypothesis word, +∞ when only hypothesis words exist).</summary>
    public double Rate => Ratio(Errors, ReferenceWords);

    /// <inheritdoc/>
    public override string ToString() =>
        $"WER {Rate:P2} ({Errors}/{ReferenceWords}: {Substitutions} substitutions, {Deletions} deletions, {Insertions} insertions, {Utterances.Count} utterances)";

    /// <summary>The word error rate of hypotheses against references, pair by pair.</summary>
    /// <param name="references">What was said, one text per utterance.</param>
    /// <param name="hypotheses">What was recognized, in the same order.</param>
    public static WordErrorRate Compute(IReadOnlyList<string> references, IReadOnlyList<string> hypotheses)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(hypotheses);
        if (references.Count != hypotheses.Count)
            throw new ArgumentException($"need one hypothesis per reference, got {references.Count} references and {hypotheses.Count} hypotheses");
        var utterances = new UtteranceErrors[references.Count];
        for (int i = 0; i < utterances.Length; i++) utterances[i] = Utterance(references[i], hypotheses[i]);
        return new WordErrorRate(utterances);
    }

    /// <summary>The errors of one utterance (both texts normalised first).</summary>
    public static UtteranceErrors Utterance(string reference, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        string[] r = TranscriptText.Words(reference), h = TranscriptText.Words(hypothesis);
        var (s, d, ins) = Align(r, h);
        return new UtteranceErrors(string.Join(' ', r), string.Join(' ', h), s, d, ins, r.Length);
    }

    /// <summary>
    /// Levenshtein alignment of two word sequences with unit costs, returning how the minimum
    /// number of edits splits into substitutions, deletions and insertions. Among alignments of
    /// equal cost the trace-back prefers a match or substitution, then a deletion, then an insertion,
    /// so the split is deterministic.
    /// </summary>
    internal static (int Substitutions, int Deletions, int Insertions) Align(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis)
    {
        int n = reference.Count, m = hypothesis.Count;
        // cost[i, j]: edits turning the first i reference words into the first j hypothesis words
        var cost = new int[n + 1, m + 1];
        for (int i = 0; i <= n; i++) cost[i, 0] = i;
        for (int j = 0; j <= m; j++) cost[0, j] = j;
        for (int i = 1; i <= n; i++)
            for (int j = 1; j <= m; j++)
            {
                int diagonal = cost[i - 1, j - 1] + (Same(reference[i - 1], hypothesis[j - 1]) ? 0 : 1);
                cost[i, j] = Math.Min(diagonal, Math.Min(cost[i - 1, j], cost[i, j - 1]) + 1);
            }

        int s = 0, d = 0, ins = 0;
        for (int i = n, j = m; i > 0 || j > 0;)
        {
            if (i > 0 && j > 0)
            {
                bool same = Same(reference[i - 1], hypothesis[j - 1]);
                if (cost[i, j] == cost[i - 1, j - 1] + (same ? 0 : 1))
                {
                    if (!same) s++;
                    i--; j--;
                    continue;
                }
            }

            if (i > 0 && cost[i, j] == cost[i - 1, j] + 1) { d++; i--; }
            else { ins++; j--; }
        }

        return (s, d, ins);
    }

    internal static double Ratio(int errors, int referenceWords) =>
        referenceWords > 0 ? (double)errors / referenceWords : errors == 0 ? 0.0 : double.PositiveInfinity;

    static bool Same(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);
}
