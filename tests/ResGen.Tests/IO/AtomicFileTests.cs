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

    [Fact]
    public void WriteGroup_ReplacesEveryFileAndDeletesTheListedOnes()
    {
        File.WriteAllText(temp.File("a.txt"), "old a");
        File.WriteAllText(temp.File("gone.txt"), "x");
        AtomicFile.WriteGroup([(temp.File("a.txt"), s => s.Write("new a"u8)), (temp.File("b.txt"), s => s.Write("new b"u8))], [temp.File("gone.txt")]);

        Assert.Equal("new a", File.ReadAllText(temp.File("a.txt")));
        Assert.Equal("new b", File.ReadAllText(temp.File("b.txt")));
        Assert.Equal([temp.File("a.txt"), temp.File("b.txt")], Directory.GetFiles(temp.Path).Order());
    }

    [Fact]
    public void WriteGroup_AFailingWriterChangesNothing()
    {
        File.WriteAllText(temp.File("a.txt"), "old a");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteGroup(
            [(temp.File("a.txt"), s => s.Write("new a"u8)), (temp.File("b.txt"), _ => throw new InvalidOperationException("disk full"))]));

        Assert.Equal("old a", File.ReadAllText(temp.File("a.txt")));
        Assert.Equal([temp.File("a.txt")], Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void RemoveStale_FinishesACommittedGroupAndDropsUncommittedTemporaries()
    {
        // the state a kill leaves between the journal's commit and the renames
        string hex = new('0', 31), done = hex + "1", pending = hex + "2", journal = hex + "3";
        File.WriteAllText(temp.File("a.txt"), "old a");
        File.WriteAllText(temp.File("gone.txt"), "x");
        File.WriteAllText(temp.File($".a.txt.{done}.tmp"), "new a");
        File.WriteAllText(temp.File($".b.txt.{pending}.tmp"), "half-written b");
        File.WriteAllText(temp.File($".{journal}.commit"), $$"""{"Renames":[[".a.txt.{{done}}.tmp","a.txt"]],"Deletes":["gone.txt"]}""");

        Assert.Equal(1, AtomicFile.RemoveStale(temp.Path));

        Assert.Equal("new a", File.ReadAllText(temp.File("a.txt")));
        Assert.Equal([temp.File("a.txt")], Directory.GetFiles(temp.Path));
    }
}
