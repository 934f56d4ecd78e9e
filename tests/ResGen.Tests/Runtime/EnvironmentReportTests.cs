using ResGen.Cli;
using ResGen.Runtime;
using TorchSharp;
using static ResGen.Runtime.EnvironmentReport;

namespace ResGen.Tests.Runtime;

public sealed class EnvironmentReportTests
{
    static string Value(IReadOnlyList<(string Name, string Value)> lines, string name) => Assert.Single(lines, l => l.Name == name).Value;

    [Fact]
    public void ACpuOnlyLibtorchSaysNoCudaDevice()
    {
        var lines = DescribeCuda(new CudaState(Available: false, DeviceCount: 0, CudnnAvailable: false, CudaLibrary: null));
        Assert.Equal("no CUDA device: this libtorch has no CUDA support (no libtorch_cuda.so loaded)", Value(lines, "CUDA"));
        Assert.Equal("0", Value(lines, "CUDA devices"));
        Assert.Equal("not available", Value(lines, "cuDNN"));
        Assert.DoesNotContain(lines, l => l.Name.Contains("cuda:", StringComparison.Ordinal));
    }

    [Fact]
    public void ACudaLibtorchWithoutAGpuSaysSo()
    {
        var lines = DescribeCuda(new CudaState(false, 0, false, "/opt/torch/lib/libtorch_cuda.so"));
        Assert.StartsWith("no CUDA device: libtorch_cuda.so is loaded but finds no usable GPU", Value(lines, "CUDA"));
    }

    [Fact]
    public void EachGpuGetsALineThatInventsNoDetails()
    {
        var lines = DescribeCuda(new CudaState(true, 2, true, "/opt/torch/lib/libtorch_cuda.so"));
        Assert.Equal("available (/opt/torch/lib/libtorch_cuda.so)", Value(lines, "CUDA"));
        Assert.Equal("2", Value(lines, "CUDA devices"));
        Assert.Equal("available", Value(lines, "cuDNN"));
        foreach (var gpu in new[] { "  cuda:0", "  cuda:1" })
            Assert.StartsWith("name, memory, compute capability: not exposed by TorchSharp", Value(lines, gpu));
    }

    [Fact]
    public void TheBuildRecordsItsBackendInTheProgram()
    {
        // the tests and the CLI are built with the same -p:TorchBackend (cpu unless asked otherwise)
        var tests = NativeBackend.BuiltWith(typeof(EnvironmentReportTests).Assembly);
        Assert.NotNull(tests);
        Assert.Contains(tests, NativeBackend.Known);
        Assert.Equal(tests, NativeBackend.BuiltWith(typeof(CliApp).Assembly));
        // the library leaves the choice to the program
        Assert.Null(NativeBackend.BuiltWith(typeof(NativeBackend).Assembly));
        Assert.StartsWith("unknown", NativeBackend.Describe(null));
        Assert.StartsWith("none (", NativeBackend.Describe("none"));
    }

    [Fact]
    public void MappedFilesAreReadFromProcMaps()
    {
        string[] maps =
        [
            "7f00-7f10 r--p 00000000 08:01 123 /opt/torch/lib/libtorch_cpu.so",
            "7f10-7f20 r-xp 00010000 08:01 123 /opt/torch/lib/libtorch_cpu.so",
            "7f20-7f30 rw-p 00000000 00:00 0 ",
            "7f30-7f40 r--p 00000000 08:01 124 /opt/torch/lib/libtorch_cuda.so (deleted)",
            "7f40-7f50 r--p 00000000 08:01 125 /opt/other/libtorch_cpu.so.bak",
            "7ffd-7ffe rw-p 00000000 00:00 0 [stack]",
        ];
        Assert.Equal(["/opt/torch/lib/libtorch_cpu.so"], NativeBackend.MappedFiles(maps, "libtorch_cpu.so"));
        Assert.Equal(["/opt/torch/lib/libtorch_cuda.so"], NativeBackend.MappedFiles(maps, "libtorch_cuda.so"));
        Assert.Empty(NativeBackend.MappedFiles(maps, "libc10.so"));
    }

    [Fact]
    public void AnInstalledLibtorchsVersionIsReadBesideItsLibFolder()
    {
        using var dir = new TempDirectory();
        var lib = Directory.CreateDirectory(dir.File("torch/lib")).FullName;
        var so = Path.Combine(lib, "libtorch_cpu.so");
        Assert.Null(NativeBackend.RecordedVersion(so));   // as in the NuGet packages: nothing recorded
        File.WriteAllText(dir.File("torch/build-version"), "2.10.0+cpu\n");
        Assert.Equal("libtorch 2.10.0+cpu", NativeBackend.RecordedVersion(so));
        File.WriteAllText(dir.File("torch/version.py"), "from typing import Optional\n__version__ = '2.10.0+cu128'\ncuda: Optional[str] = '12.8'\n");
        Assert.Equal("PyTorch 2.10.0+cu128", NativeBackend.RecordedVersion(so));
    }
}

[Collection(TorchCollection.Name)]
public sealed class EnvironmentReportOnThisMachineTests
{
    [Fact]
    public void TheReportAgreesWithTorchSharpAboutCuda()
    {
        var lines = Collect(app: typeof(EnvironmentReportOnThisMachineTests).Assembly);
        Assert.DoesNotContain(lines, l => l.Value == "FAILED TO LOAD");
        var backend = NativeBackend.BuiltWith(typeof(EnvironmentReportOnThisMachineTests).Assembly);
        Assert.Equal(NativeBackend.Describe(backend), Assert.Single(lines, l => l.Name == "native backend").Value);
        // the libtorch this process runs on is named by its path
        Assert.True(File.Exists(Assert.Single(lines, l => l.Name == "libtorch_cpu.so").Value.Split(' ')[0]));
        var cuda = Assert.Single(lines, l => l.Name == "CUDA").Value;
        if (torch.cuda.is_available())
        {
            Assert.StartsWith("available", cuda);
            Assert.Equal(torch.cuda.device_count().ToString(), Assert.Single(lines, l => l.Name == "CUDA devices").Value);
        }
        else
        {
            Assert.StartsWith("no CUDA device", cuda);
            Assert.Equal("cpu (no CUDA device)", Assert.Single(lines, l => l.Name == "devices").Value);
        }
    }
}
