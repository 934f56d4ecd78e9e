using ResGen.Runtime;
using TorchSharp;

namespace ResGen.Tests.Runtime;

[Collection(TorchCollection.Name)]
public sealed class NativeLibraryTests
{
    [Fact]
    public void TorchSharpLoadsAndComputes()
    {
        using var t = torch.arange(6).reshape(2, 3).to(torch.float32);
        Assert.Equal(15f, t.sum().item<float>());
    }

    [Fact]
    public void TheCopyInTheOutputFolderHasTheFix()
    {
        var lib = EnvironmentReport.FindNativeLibrary();
        Assert.NotNull(lib);
        var need = ElfVersionNeeds.Read(File.ReadAllBytes(lib!)).FirstOrDefault(n => n.Version == EnvironmentReport.PatchedVersion);
        if (need is null) return;   // a TorchSharp build that no longer asks for it
        bool systemHasIt = ElfVersionNeeds.SystemProvides("libstdc++.so.6", EnvironmentReport.PatchedVersion);
        // The build marks the requirement weak exactly where the system libstdc++ lacks the version.
        Assert.Equal(!systemHasIt, need.IsWeak);
    }
}
