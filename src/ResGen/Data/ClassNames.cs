using System.Globalization;
using System.Text;

namespace ResGen.Data;

/// <summary>
/// Turns what a user typed for a class (an index, a name, or an abbreviation) into a class index.
/// </summary>
public static class ClassNames
{
    /// <summary>
    /// Resolves <paramref name="nameOrIndex"/> against <paramref name="names"/>. Accepted forms, in
    /// order of precedence: a decimal index; a name compared case-insensitively with everything
    /// but letters and digits removed ("tshirt/top", "T-Shirt/Top", "ankle-boot", "ankle boot");
    /// one of the slash-separated parts of a name ("top" for "T-shirt/top"); and a prefix of any
    /// of these that fits exactly one class ("sneak", "tsh").
    /// </summary>
    /// <param name="names">The class names, indexed by class.</param>
    /// <param name="nameOrIndex">What the user typed.</param>
    /// <returns>The class index, in <c>0 .. names.Count - 1</c>.</returns>
    /// <exception cref="UserErrorException">The input matches no class, or more than one.</exception>
    public static int Parse(IReadOnlyList<string> names, string nameOrIndex)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(nameOrIndex);
        if (names.Count == 0)
        {
            throw new ArgumentException("The list of class names is empty.", nameof(names));
        }

        string text = nameOrIndex.Trim();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int index))
        {
            if (index >= 0 && index < names.Count)
            {
                return index;
            }
            throw new UserErrorException(
                $"Class index {index} is out of range; valid indices are 0 to {names.Count - 1} ({Describe(names)}).");
        }

        string key = Simplify(text);
        if (key.Length > 0)
        {
            var exact = Matching(names, alias => alias == key);
            if (exact.Count == 1)
            {
                return exact[0];
            }
            var prefixed = Matching(names, alias => alias.StartsWith(key, StringComparison.Ordinal));
            if (prefixed.Count == 1)
            {
                return prefixed[0];
            }
            if (prefixed.Count > 1)
            {
                string candidates = string.Join(", ", prefixed.Select(i => $"'{names[i]}'"));
                throw new UserErrorException(
                    $"Class '{nameOrIndex}' is ambiguous: it could mean {candidates}; type more of the name or use an index.");
            }
        }
        throw new UserErrorException(
            $"Unknown class '{nameOrIndex}'; valid classes are {Describe(names)}.");
    }

    /// <summary>
    /// Lower-cases <paramref name="text"/> and drops every character that is not a letter or
    /// digit, so that "T-shirt/top", "tshirt top" and "TSHIRTTOP" compare equal.
    /// </summary>
    /// <param name="text">Any text.</param>
    /// <returns>The simplified form.</returns>
    public static string Simplify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }
        return builder.ToString();
    }

    private static List<int> Matching(IReadOnlyList<string> names, Func<string, bool> predicate)
    {
        var result = new List<int>();
        for (int i = 0; i < names.Count; i++)
        {
            if (Aliases(names[i]).Any(predicate))
            {
                result.Add(i);
            }
        }
        return result;
    }

    private static IEnumerable<string> Aliases(string name)
    {
        yield return Simplify(name);
        string[] parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 1)
        {
            foreach (string part in parts)
            {
                yield return Simplify(part);
            }
        }
    }

    private static string Describe(IReadOnlyList<string> names) =>
        string.Join(", ", names.Select((name, i) => $"{i} = {name}"));
}
