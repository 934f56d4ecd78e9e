using System.Globalization;

namespace ResGen.Tests.Evaluation.Speech;

/// <summary>A strict reader of ARPA back-off models, and the back-off probability they define, for checking written models.</summary>
public sealed class ArpaFile
{
    public Dictionary<int, int> HeaderCounts { get; } = [];

    /// <summary>Per order: n-gram → (log10 p, log10 back-off or 0).</summary>
    public Dictionary<int, Dictionary<string, (double LogProb, double LogBackoff)>> Grams { get; } = [];

    public int Order => HeaderCounts.Count;

    public static ArpaFile Read(string path)
    {
        var arpa = new ArpaFile();
        var lines = File.ReadAllLines(path);
        int i = 0;
        while (lines[i].Trim() != "\\data\\") i++;
        for (i++; lines[i].StartsWith("ngram ", StringComparison.Ordinal); i++)
        {
            var parts = lines[i][6..].Split('=');
            arpa.HeaderCounts[int.Parse(parts[0], CultureInfo.InvariantCulture)] = int.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        int order = 0;
        bool ended = false;
        for (; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0) continue;
            if (line == "\\end\\") { ended = true; break; }
            if (line.StartsWith('\\'))
            {
                order = int.Parse(line[1..line.IndexOf('-')], CultureInfo.InvariantCulture);
                arpa.Grams[order] = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length is < 2 or > 3) throw new FormatException($"line {i + 1} has {fields.Length} tab-separated fields: '{line}'");
            if (fields[1].Split(' ').Length != order) throw new FormatException($"line {i + 1} is not a {order}-gram: '{line}'");
            double backoff = fields.Length == 3 ? double.Parse(fields[2], CultureInfo.InvariantCulture) : 0.0;
            arpa.Grams[order].Add(fields[1], (double.Parse(fields[0], CultureInfo.InvariantCulture), backoff));
        }

        if (!ended) throw new FormatException("no \\end\\ line");
        return arpa;
    }

    /// <summary>P(word | context) by the back-off rule (context: the preceding words, oldest first).</summary>
    public double Probability(IReadOnlyList<string> context, string word)
    {
        int n = Math.Min(context.Count, Order - 1);
        var h = context.Skip(context.Count - n).ToList();
        double logBackoff = 0;
        while (true)
        {
            string key = string.Join(' ', h.Append(word));
            if (Grams[h.Count + 1].TryGetValue(key, out var entry)) return Math.Pow(10, logBackoff + entry.LogProb);
            if (h.Count == 0) return 0.0;
            if (Grams[h.Count].TryGetValue(string.Join(' ', h), out var ctx)) logBackoff += ctx.LogBackoff;
            h.RemoveAt(0);
        }
    }
}
