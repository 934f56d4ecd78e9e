namespace ResGen.IO;

/// <summary>
/// Finds the files that ship with the program (models/, configs/) when it runs from another
/// folder: a default such as <c>models/resgen</c> names the file in the current folder when it is
/// there, else the one in the install folder (<c>RESGEN_HOME</c>, which the <c>resgen</c> launcher
/// sets, or the nearest folder above the program that holds it).
/// </summary>
public static class InstallPaths
{
    /// <summary>Environment variable naming the install folder.</summary>
    public const string HomeVariable = "RESGEN_HOME";

    /// <summary>
    /// <paramref name="relative"/> itself when it exists from the current folder (as a file, a folder,
    /// or a checkpoint NAME with NAME.json); else the same path under the first install folder that
    /// has it; else <paramref name="relative"/> unchanged, so that the error names what was looked for.
    /// </summary>
    public static string Shipped(string relative)
    {
        if (Path.IsPathRooted(relative) || Exists(relative)) return relative;
        foreach (var root in Roots())
        {
            var candidate = Path.Combine(root, relative);
            if (Exists(candidate)) return candidate;
        }

        return relative;
    }

    static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || File.Exists(path + ".json");

    static IEnumerable<string> Roots()
    {
        if (Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } home) yield return home;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            yield return dir.FullName;
    }
}
