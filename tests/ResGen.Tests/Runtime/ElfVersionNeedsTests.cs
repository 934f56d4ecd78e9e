using ResGen.Runtime;

namespace ResGen.Tests.Runtime;

public sealed class ElfVersionNeedsTests
{
    static string PackageCopy()
    {
        // the untouched library in the NuGet cache
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var p = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(p), $"expected the TorchSharp package at {p}");
        return p;
    }

    [Fact]
    public void ThePackagedLibraryAsksForTheVersionStrongly()
    {
        var needs = ElfVersionNeeds.Read(File.ReadAllBytes(PackageCopy()));
        var need = Assert.Single(needs, n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", need.File);
        Assert.False(need.IsWeak);
        Assert.Contains(needs, n => n.Version.StartsWith("GLIBC_", StringComparison.Ordinal));
    }

    [Fact]
    public void MakeWeakChangesOnlyThatFlagAndIsIdempotent()
    {
        using var dir = new TempDirectory();
        var copy = Path.Combine(dir.Path, "lib.so");
        File.Copy(PackageCopy(), copy);
        var before = File.ReadAllBytes(copy);
        Assert.Equal(1, ElfVersionNeeds.MakeWeak(copy, "GLIBCXX_3.4.32"));
        var after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        var diffs = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.Single(diffs);
        var need = ElfVersionNeeds.Read(after).Single(n => n.Version == "GLIBCXX_3.4.32");
        Assert.True(need.IsWeak);
        Assert.Equal(need.FlagsOffset, diffs[0]);
        Assert.Equal(0, ElfVersionNeeds.MakeWeak(copy, "GLIBCXX_3.4.32"));
        Assert.Equal(after, File.ReadAllBytes(copy));
        // every other requirement keeps its flags
        Assert.Equal(ElfVersionNeeds.Read(before).Count(n => n.IsWeak) + 1, ElfVersionNeeds.Read(after).Count(n => n.IsWeak));
    }

    [Fact]
    public void SystemLibstdcxxVersionsAreRead()
    {
        var lib = ElfVersionNeeds.FindSystemLibrary("libstdc++.so.6");
        Assert.NotNull(lib);
        var defs = ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(lib!));
        Assert.Contains("GLIBCXX_3.4", defs);
    }

    [Fact]
    public void NonElfAndTruncatedFilesAreRejected()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(new byte[100]));
        var head = File.ReadAllBytes(PackageCopy())[..4096];
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(head));
    }
}
