using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ResGen.Runtime;

/// <summary>What `resgen doctor` prints: versions, devices, threads, the native-library fix, data and fonts.</summary>
public static class EnvironmentReport
{
    public const string PatchedVersion = "GLIBCXX_3.4.32";

    /// <summary>Lines of "name: value"; never throws (a failure becomes a line).</summary>
    public static IReadOnlyList<(string Name, string Value)> Collect(string? dataDirectory = null)
    {
        var lines = new List<(string, string)>
        {
            (".NET", RuntimeInformation.FrameworkDescription + " on " + RuntimeInformation.OSDescription),
            ("TorchSharp", typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
                           ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "?"),
        };
        var native = FindNativeLibrary();
        lines.Add(("libLibTorchSharp.so", native ?? "not found next to the program"));
        if (native is not null) lines.Add(("  " + PatchedVersion + " need", DescribeNeed(native)));
        lines.Add(("system libstdc++", DescribeSystemLibstdcxx()));
        try
        {
            lines.Add(("libtorch", torch.__version__));
            lines.Add(("threads", torch.get_num_threads().ToString()));
            bool cuda = DeviceChoice.CudaAvailable();
            lines.Add(("devices", cuda ? $"cpu, cuda ×{torch.cuda.device_count()}" : "cpu (no CUDA device)"));
            using var t = torch.ones(2, 2).matmul(torch.ones(2, 2));
            lines.Add(("tensor check", t.sum().item<float>() == 8f ? "ok (2×2 matmul on cpu)" : "WRONG RESULT"));
        }
        catch (Exception e)
        {
            lines.Add(("libtorch", "FAILED TO LOAD"));
            for (var x = e; x is not null; x = x.InnerException)
                foreach (var l in x.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries)) lines.Add(("  load trace", l.TrimEnd()));
        }
        lines.Add(("fashion-mnist", DescribeData(dataDirectory ?? Data.FashionMnist.DefaultDirectory)));
        lines.Add(("fonts", Imaging.Fonts.CanRenderText ? Imaging.Fonts.Description : "none usable: labels are left out of PNGs"));
        return lines;
    }

    /// <summary>Marks the values of <see cref="Collect"/> that mean the program cannot do its work.</summary>
    public const string ProblemMark = "PROBLEM: ";

    /// <summary>The data folder, or what is wrong with it: each file's gzip stream and IDX header are read (one item each).</summary>
    public static string DescribeData(string folder)
    {
        if (!Directory.Exists(folder)) return $"{ProblemMark}missing at {folder} (sudo apt-get install dataset-fashion-mnist)";
        try
        {
            int train = Data.FashionMnist.Load("train", folder, limit: 1).Count, test = Data.FashionMnist.Load("test", folder, limit: 1).Count;
            return train == 1 && test == 1 ? folder + " (train and test files readable)" : $"{ProblemMark}{folder} holds no images";
        }
        catch (UserErrorException e) { return ProblemMark + e.Message; }
    }

    /// <summary>libLibTorchSharp.so beside the running program, if any.</summary>
    public static string? FindNativeLibrary()
    {
        var dir = AppContext.BaseDirectory;
        foreach (var p in new[] { Path.Combine(dir, "libLibTorchSharp.so"), Path.Combine(dir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so") })
            if (File.Exists(p)) return p;
        return null;
    }

    /// <summary>Whether the GLIBCXX_3.4.32 requirement of the library is absent, weak (patched) or strong.</summary>
    public static string DescribeNeed(string library)
    {
        try
        {
            var need = ElfVersionNeeds.Read(File.ReadAllBytes(library)).FirstOrDefault(n => n.Version == PatchedVersion);
            if (need is null) return "not required";
            return need.IsWeak ? "marked weak (patched by the build)" : "required (not patched)";
        }
        catch (Exception e) { return "cannot read: " + e.Message; }
    }

    static string DescribeSystemLibstdcxx()
    {
        var lib = ElfVersionNeeds.FindSystemLibrary("libstdc++.so.6");
        if (lib is null) return "not found";
        try
        {
            var defs = ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(lib));
            var newest = defs.Where(d => d.StartsWith("GLIBCXX_3.4", StringComparison.Ordinal))
                             .OrderBy(d => int.TryParse(d.Split('.').Last(), out var v) ? v : 0).LastOrDefault();
            return $"{lib} (newest {newest ?? "?"}; {(defs.Contains(PatchedVersion) ? "has" : "lacks")} {PatchedVersion})";
        }
        catch (Exception e) { return lib + " (cannot read: " + e.Message + ")"; }
    }
}
