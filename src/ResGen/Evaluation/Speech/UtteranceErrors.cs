namespace ResGen.Evaluation.Speech;

/// <summary>
/// The word errors of one utterance: a minimum-edit alignment of the normalised hypothesis
/// against the normalised reference (see <see cref="TranscriptText"/>).
/// </summary>
/// <param name="Reference">The normalised reference text.</param>
/// <param name="Hypothesis">The normalised hypothesis text.</param>
/// <param name="Substitutions">Reference words replaced by another word.</param>
/// <param name="Deletions">Reference words missing from the hypothesis.</param>
/// <param name="Insertions">Hypothesis words with no reference word.</param>
/// <param name="ReferenceWords">Number of reference words (N).</param>
public sealed record UtteranceErrors(string Reference, string Hypothesis, int Substitutions, int Deletions, int Insertions, int ReferenceWords)
{
    /// <summary>S + D + I.</summary>
    public int Errors => Substitutions + Deletions + Insertions;

    /// <summary>
    /// (S + D + I) / N for this utterance alone; 0 for an empty reference with an empty hypothesis and
    /// +∞ for an empty reference with any hypothesis word (the rate is undefined there).
    /// </summary>
    public double Rate => WordErrorRate.Ratio(Errors, ReferenceWords);
}
