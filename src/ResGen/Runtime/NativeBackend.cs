using System.Reflection;
using System.Text.RegularExpressions;

namespace ResGen.Runtime;

/// <summary>
/// Which native libtorch a program was built with (the TorchBackend build property, build/TorchBackend.props)
/// and which libtorch files the process actually loaded.
/// </summary>
public static partial class NativeBackend
{
    /// <summary>The key of the AssemblyMetadata attribute that build/TorchBackend.targets gives every program that uses TorchSharp.</summary>
    public const string MetadataKey = "ResGen.TorchBackend";

    /// <summary>The values TorchBackend may take.</summary>
    public static readonly IReadOnlyList<string> Known = ["cpu", "cuda", "none"];

    /// <summary>The TorchBackend value recorded in <paramref name="app"/> by its build, or null when it records none.</summary>
    public static string? BuiltWith(Assembly? app) =>
        app?.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == MetadataKey)?.Value;

    /// <summary>One line on what a TorchBackend value means for where libtorch comes from.</summary>
    public static string Describe(string? backend) => backend?.ToLowerInvariant() switch
    {
        "cpu" => "cpu (the libtorch-cpu-linux-x64 package, next to the program)",
        "cuda" => "cuda (the libtorch-cuda-12.8-linux-x64 package, next to the program)",
        "none" => "none (no libtorch package: an installed libtorch, found through LD_LIBRARY_PATH)",
        null => "unknown (this program does not record its TorchBackend)",
        var other => other + " (not a TorchBackend this build knows)",
    };

    /// <summary>
    /// The files named <paramref name="fileName"/> (such as libtorch_cpu.so) mapped into this process, from
    /// /proc/self/maps, with symbolic links resolved; empty where there is no such file (not Linux).
    /// </summary>
    public static IReadOnlyList<string> Loaded(string fileName)
    {
        try
        {
            return File.Exists("/proc/self/maps") ? MappedFiles(File.ReadLines("/proc/self/maps"), fileName) : [];
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    /// <summary>The distinct paths of <paramref name="fileName"/> in lines of /proc/PID/maps ("start-end perms offset dev inode path").</summary>
    public static IReadOnlyList<string> MappedFiles(IEnumerable<string> mapsLines, string fileName)
    {
        var found = new List<string>();
        foreach (var line in mapsLines)
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            var path = line[slash..].TrimEnd();
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal)) path = path[..^" (deleted)".Length];
            if (Path.GetFileName(path) == fileName && !found.Contains(path)) found.Add(path);
        }
        return found;
    }

    /// <summary>
    /// The version an installed libtorch writes beside the lib folder holding <paramref name="libraryFile"/>:
    /// "PyTorch 2.10.0+cu128" from a PyTorch install's torch/version.py, "libtorch 2.10.0+cpu" from a libtorch
    /// archive's build-version. Null when there is neither (the NuGet packages record no version).
    /// </summary>
    public static string? RecordedVersion(string libraryFile)
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(libraryFile)));
        if (root is null) return null;
        try
        {
            var versionPy = Path.Combine(root, "version.py");
            if (File.Exists(versionPy))
            {
                var m = PythonVersion().Match(File.ReadAllText(versionPy));
                if (m.Success) return "PyTorch " + m.Groups[1].Value;
            }
            var buildVersion = Path.Combine(root, "build-version");
            if (File.Exists(buildVersion))
            {
                var v = File.ReadAllText(buildVersion).Trim();
                if (v.Length > 0) return "libtorch " + v;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    [GeneratedRegex(@"^__version__\s*=\s*['""]([^'""]+)['""]", RegexOptions.Multiline)]
    private static partial Regex PythonVersion();
}
