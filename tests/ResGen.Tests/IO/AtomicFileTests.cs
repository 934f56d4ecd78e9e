using ResGen.IO;

namespace ResGen.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Write_CreatesFolderAndReplacesExistingFile()
    {
        string path = Path.Combine(temp.Path, "a", "b.txt");

        AtomicFile.Write(path, s => s.Write("old"u8));
        AtomicFile.Write(path, s => s.Write("new"u8));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Write_FailureKeepsTheOldFileAndRemovesTheTemporaryOne()
    {
        string path = temp.File("keep.txt");
        File.WriteAllText(path, "original");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("partial"u8);
            throw new InvalidOperationException("writer failed");
        }));

        Assert.Equal("original", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(temp.Path));
    }
}
