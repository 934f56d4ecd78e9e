using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ResGen.Runtime;

/// <summary>What `resgen doctor` prints: versions, the native backend, CUDA and devices, threads, the native-library fix, data and fonts.</summary>
public static class EnvironmentReport
{
    public const string PatchedVersion = "GLIBCXX_3.4.32";

    /// <summary>
    /// Lines of "name: value"; never throws (a failure becomes a line). <paramref name="app"/> is the program
    /// whose build recorded the native backend (build/TorchBackend.targets); the entry assembly when null.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> Collect(string? dataDirectory = null, Assembly? app = null)
    {
        var backend = NativeBackend.BuiltWith(app ?? Assembly.GetEntryAssembly());
        var lines = new List<(string, string)>
        {
            (".NET", RuntimeInformation.FrameworkDescription + " on " + RuntimeInformation.OSDescription),
            ("TorchSharp", TorchSharpVersion()),
            ("native backend", NativeBackend.Describe(backend)),
        };
        var native = FindNativeLibrary();
        lines.Add(("libLibTorchSharp.so", native ?? "not found next to the program"));
        if (native is not null) lines.Add(("  " + PatchedVersion + " need", DescribeNeed(native)));
        lines.Add(("system libstdc++", DescribeSystemLibstdcxx()));
        try
        {
            // TorchSharp states the libtorch it was built for; it has no call for the version of the one it loaded
            lines.Add(("libtorch", $"{torch.__version__} (the version TorchSharp {TorchSharpVersion()} is built for)"));
            lines.Add(("threads", torch.get_num_threads().ToString()));
            lines.Add(("libtorch_cpu.so", DescribeLoaded("libtorch_cpu.so")));
            var cuda = CudaState.Probe();
            lines.AddRange(DescribeCuda(cuda));
            lines.Add(("devices", cuda.Available ? "cpu, " + string.Join(", ", Enumerable.Range(0, cuda.DeviceCount).Select(i => $"cuda:{i}")) : "cpu (no CUDA device)"));
            using var t = torch.ones(2, 2).matmul(torch.ones(2, 2));
            lines.Add(("tensor check", t.sum().item<float>() == 8f ? "ok (2×2 matmul on cpu)" : "WRONG RESULT"));
        }
        catch (Exception e)
        {
            lines.RemoveAll(l => l.Item1 == "libtorch");
            lines.Add(("libtorch", "FAILED TO LOAD"));
            if (string.Equals(backend, "none", StringComparison.OrdinalIgnoreCase))
                lines.Add(("  hint", "built with TorchBackend=none: put the lib folder of an installed libtorch on LD_LIBRARY_PATH " +
                                     "(PyTorch's: python3 -c 'import torch, os; print(os.path.dirname(torch.__file__) + \"/lib\")')"));
            for (var x = e; x is not null; x = x.InnerException)
                foreach (var l in x.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries)) lines.Add(("  load trace", l.TrimEnd()));
        }
        lines.Add(("fashion-mnist", DescribeData(dataDirectory ?? Data.FashionMnist.DefaultDirectory)));
        lines.Add(("fonts", Imaging.Fonts.CanRenderText ? Imaging.Fonts.Description : "none usable: labels are left out of PNGs"));
        return lines;
    }

    /// <summary>What TorchSharp tells about CUDA, and the libtorch_cuda.so this process loaded, if any.</summary>
    public sealed record CudaState(bool Available, int DeviceCount, bool CudnnAvailable, string? CudaLibrary)
    {
        /// <summary>Asks TorchSharp (loading its CUDA backend where there is one); never throws.</summary>
        public static CudaState Probe()
        {
            bool available = DeviceChoice.CudaAvailable();
            int count = 0;
            bool cudnn = false;
            try
            {
                count = torch.cuda.device_count();
                cudnn = torch.cuda.is_cudnn_available();
            }
            catch (Exception) { }   // a libtorch without CUDA may refuse instead of answering 0 and false
            return new CudaState(available, available ? count : 0, available && cudnn, NativeBackend.Loaded("libtorch_cuda.so").FirstOrDefault());
        }
    }

    /// <summary>
    /// The CUDA lines of the report. TorchSharp 0.107's torch.cuda offers is_available, device_count and
    /// is_cudnn_available only: a GPU's name, memory and compute capability are not to be had from it, and the
    /// report says so instead of guessing.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> DescribeCuda(CudaState cuda)
    {
        var lines = new List<(string, string)>();
        if (!cuda.Available)
        {
            lines.Add(("CUDA", "no CUDA device: " + (cuda.CudaLibrary is null
                ? "this libtorch has no CUDA support (no libtorch_cuda.so loaded)"
                : "libtorch_cuda.so is loaded but finds no usable GPU (driver, CUDA_VISIBLE_DEVICES)")));
            lines.Add(("CUDA devices", "0"));
            lines.Add(("cuDNN", "not available"));
            return lines;
        }
        lines.Add(("CUDA", "available" + (cuda.CudaLibrary is null ? "" : " (" + cuda.CudaLibrary + ")")));
        lines.Add(("CUDA devices", cuda.DeviceCount.ToString()));
        for (int i = 0; i < cuda.DeviceCount; i++)
            lines.Add(($"  cuda:{i}", "name, memory, compute capability: not exposed by TorchSharp 0.107 " +
                                      "(nvidia-smi --query-gpu=name,memory.total,compute_cap --format=csv)"));
        lines.Add(("cuDNN", cuda.CudnnAvailable ? "available" : "not available"));
        return lines;
    }

    static string TorchSharpVersion() =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>Where this process loaded <paramref name="fileName"/> from, and the version recorded beside it.</summary>
    static string DescribeLoaded(string fileName)
    {
        var paths = NativeBackend.Loaded(fileName);
        if (paths.Count == 0) return "not seen in /proc/self/maps";
        return string.Join("; ", paths.Select(p => NativeBackend.RecordedVersion(p) is { } v ? $"{p} ({v})" : p));
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
