using System.Globalization;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// An interpolated Kneser-Ney n-gram model (Chen and Goodman 1998, with one absolute discount per
/// order) estimated from word sentences and written in the ARPA text format that pocketsphinx,
/// SRILM and KenLM read.
/// </summary>
/// <remarks>
/// <para>Each sentence is padded as <c>&lt;s&gt; w1 … wn &lt;/s&gt;</c>. The highest order uses raw
/// counts; a lower-order n-gram uses its continuation count, the number of distinct words seen
/// before it, except when it starts with <c>&lt;s&gt;</c> (nothing can precede it), where the raw count
/// is kept. For order k, with c the count used at that order, C(h) = Σ_w c(h w), T(h) the number of
/// distinct words after h and D_k = n1 / (n1 + 2 n2) from the number of n-grams seen once and twice
/// (0.5 when that is undefined, clamped to [0.1, 0.9]):</para>
/// <para>p(w | h) = (c(h w) − D_k) / C(h) + γ(h) p(w | h′), γ(h) = D_k T(h) / C(h),</para>
/// <para>where h′ drops the first word of h; the unigram distribution is c(w) / Σ c. Because the
/// model is interpolated, the ARPA file holds p(w | h) for every seen n-gram and γ(h) as the back-off
/// weight of h, and a back-off reader reproduces the interpolated model exactly; every distribution
/// sums to one. The vocabulary is closed (no &lt;unk&gt;): pocketsphinx may only propose words the
/// model has seen.</para>
/// </remarks>
public sealed class KneserNeyLanguageModel
{
    /// <summary>The sentence-start token.</summary>
    public const string SentenceStart = "<s>";

    /// <summary>The sentence-end token.</summary>
    public const string SentenceEnd = "</s>";

    /// <summary>log10 probability written for &lt;s&gt;, which is never predicted.</summary>
    const double Never = -99.0;

    // per order k (index k - 1): n-gram (words joined by single spaces) → (log10 p, log10 back-off)
    readonly Dictionary<string, (double LogProb, double LogBackoff)>[] grams;

    KneserNeyLanguageModel(int order, Dictionary<string, (double, double)>[] grams, double[] discounts)
    {
        Order = order;
        this.grams = grams;
        Discounts = discounts;
    }

    /// <summary>The n-gram order (3 for a trigram model).</summary>
    public int Order { get; }

    /// <summary>The absolute discount D_k of every order k = 1..N (index k − 1; the unigram one is unused).</summary>
    public IReadOnlyList<double> Discounts { get; }

    /// <summary>Number of distinct n-grams of each order (index k − 1), as the ARPA header lists them.</summary>
    public IReadOnlyList<int> Counts => [.. grams.Select(g => g.Count)];

    /// <summary>The words of the model, &lt;s&gt; and &lt;/s&gt; excluded, in ordinal order.</summary>
    public IReadOnlyList<string> Words =>
        [.. grams[0].Keys.Where(w => w is not SentenceStart and not SentenceEnd).Order(StringComparer.Ordinal)];

    /// <summary>Estimates the model from sentences given as words (no padding; words must not contain whitespace).</summary>
    /// <param name="sentences">The training sentences; empty ones are skipped.</param>
    /// <param name="order">The n-gram order, 1 to 6.</param>
    public static KneserNeyLanguageModel Estimate(IEnumerable<IReadOnlyList<string>> sentences, int order = 3)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        if (order is < 1 or > 6) throw new ArgumentOutOfRangeException(nameof(order), order, $"the n-gram order must be 1 to 6, got {order}");

        // raw counts of every order
        var raw = new Dictionary<string, long>[order];
        for (int k = 0; k < order; k++) raw[k] = new Dictionary<string, long>(StringComparer.Ordinal);
        int used = 0;
        foreach (var sentence in sentences)
        {
            if (sentence.Count == 0) continue;
            var tokens = new string[sentence.Count + 2];
            tokens[0] = SentenceStart;
            for (int i = 0; i < sentence.Count; i++)
            {
                string w = sentence[i];
                if (string.IsNullOrEmpty(w) || w.Any(char.IsWhiteSpace) || w is SentenceStart or SentenceEnd)
                    throw new ArgumentException($"sentence {used + 1} has the word '{w}', which is empty, holds whitespace or is a sentence marker");
                tokens[i + 1] = w;
            }

            tokens[^1] = SentenceEnd;
            used++;
            for (int k = 1; k <= order; k++)
                for (int i = 0; i + k <= tokens.Length; i++)
                {
                    string key = string.Join(' ', tokens, i, k);
                    raw[k - 1][key] = raw[k - 1].GetValueOrDefault(key) + 1;
                }
        }

        if (used == 0) throw new ArgumentException("a language model needs at least one non-empty sentence");

        // the count each order uses: raw at the top and for n-grams starting with <s>, else continuation
        var counts = new Dictionary<string, long>[order];
        counts[order - 1] = raw[order - 1];
        for (int k = order - 1; k >= 1; k--)
        {
            var continuation = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var longer in raw[k].Keys)
            {
                string suffix = longer[(longer.IndexOf(' ') + 1)..];
                continuation[suffix] = continuation.GetValueOrDefault(suffix) + 1;
            }

            var c = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (key, n) in raw[k - 1])
                c[key] = StartsWithSentenceStart(key) ? n : continuation.GetValueOrDefault(key);
            counts[k - 1] = c;
        }

        counts[0].Remove(SentenceStart);

        var discounts = new double[order];
        for (int k = 0; k < order; k++) discounts[k] = Discount(counts[k].Values);

        var grams = new Dictionary<string, (double, double)>[order];
        // unigrams: continuation counts, no discount (closed vocabulary)
        double total = counts[0].Values.Sum();
        grams[0] = new Dictionary<string, (double, double)>(StringComparer.Ordinal) { [SentenceStart] = (Never, 0.0) };
        foreach (var (w, n) in counts[0]) grams[0][w] = (Math.Log10(n / total), 0.0);

        var probabilities = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (w, n) in counts[0]) probabilities[w] = n / total;
        for (int k = 2; k <= order; k++)
        {
            double d = discounts[k - 1];
            var contextTotal = new Dictionary<string, (long Sum, int Types)>(StringComparer.Ordinal);
            foreach (var (key, n) in counts[k - 1])
            {
                string h = key[..key.LastIndexOf(' ')];
                var (sum, types) = contextTotal.GetValueOrDefault(h);
                contextTotal[h] = (sum + n, types + 1);
            }

            var next = new Dictionary<string, double>(StringComparer.Ordinal);
            grams[k - 1] = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
            foreach (var (key, n) in counts[k - 1])
            {
                int split = key.LastIndexOf(' ');
                var (sum, types) = contextTotal[key[..split]];
                string lower = key[(key.IndexOf(' ') + 1)..];
                double p = (n - d) / sum + d * types / sum * probabilities[lower];
                next[key] = p;
                grams[k - 1][key] = (Math.Log10(p), 0.0);
            }

            foreach (var (h, (sum, types)) in contextTotal)
            {
                var (logProb, _) = grams[k - 2][h];
                grams[k - 2][h] = (logProb, Math.Log10(d * types / sum));
            }

            probabilities = next;
        }

        return new KneserNeyLanguageModel(order, grams, discounts);
    }

    /// <summary>Writes the model as an ARPA text file (n-grams in ordinal word order, log10 values).</summary>
    public void WriteArpa(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("\n\\data\\\n");
        for (int k = 1; k <= Order; k++) writer.Write($"ngram {k}={grams[k - 1].Count}\n");
        for (int k = 1; k <= Order; k++)
        {
            writer.Write($"\n\\{k}-grams:\n");
            foreach (var key in grams[k - 1].Keys.Order(StringComparer.Ordinal))
            {
                var (logProb, logBackoff) = grams[k - 1][key];
                writer.Write(Number(logProb));
                writer.Write('\t');
                writer.Write(key);
                if (k < Order)
                {
                    writer.Write('\t');
                    writer.Write(Number(logBackoff));
                }

                writer.Write('\n');
            }
        }

        writer.Write("\n\\end\\\n");
    }

    static string Number(double value) => value.ToString("0.000000", CultureInfo.InvariantCulture);

    static bool StartsWithSentenceStart(string key) => key == SentenceStart || key.StartsWith(SentenceStart + " ", StringComparison.Ordinal);

    /// <summary>D = n1 / (n1 + 2 n2), 0.5 when undefined, clamped to [0.1, 0.9].</summary>
    static double Discount(IEnumerable<long> counts)
    {
        long n1 = 0, n2 = 0;
        foreach (var c in counts)
        {
            if (c == 1) n1++;
            else if (c == 2) n2++;
        }

        double d = n1 > 0 && n2 > 0 ? (double)n1 / (n1 + 2 * n2) : 0.5;
        return Math.Clamp(d, 0.1, 0.9);
    }
}
