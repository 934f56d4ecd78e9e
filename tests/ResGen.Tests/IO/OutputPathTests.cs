using ResGen.IO;

namespace ResGen.Tests.IO;

/// <summary>
/// The one output-path rule: a writer replaces only a regular file or creates a new one; a device,
/// FIFO, socket, folder, symbolic link or empty path is one sentence and is left as it was.
/// </summary>
public sealed class OutputPathTests : IDisposable
{
    readonly SpecialFiles files = new();

    public void Dispose() => files.Dispose();

    public static TheoryData<string> NonRegular => [.. SpecialFiles.NonRegularNames, "folder"];

    [Fact]
    public void KindOfAgreesWithStat()
    {
        var expected = new Dictionary<string, (OutputPath.EntryKind Kind, string Stat)>
        {
            ["fifo"] = (OutputPath.EntryKind.Fifo, "fifo"),
            ["socket"] = (OutputPath.EntryKind.Socket, "socket"),
            ["link"] = (OutputPath.EntryKind.SymbolicLink, "symbolic link"),
            ["folder"] = (OutputPath.EntryKind.Directory, "directory"),
            ["regular.txt"] = (OutputPath.EntryKind.Regular, "regular file"),
        };
        if (Environment.IsPrivilegedProcess) expected["full"] = (OutputPath.EntryKind.CharacterDevice, "character special file");
        foreach (var (name, (kind, stat)) in expected)
        {
            Assert.Equal(stat, SpecialFiles.StatType(files.Entry(name)));
            Assert.Equal(kind, OutputPath.KindOf(files.Entry(name)));
        }
        Assert.Equal(OutputPath.EntryKind.Missing, OutputPath.KindOf(files.Entry("none")));
    }

    [Theory]
    [MemberData(nameof(NonRegular))]
    public void AtomicWriteRefusesToReplaceWhatIsNotARegularFile(string name)
    {
        string before = files.Snapshot();
        var e = Assert.Throws<UserErrorException>(() => AtomicFile.WriteText(files.Entry(name), "new"));
        Assert.Contains(files.Entry(name), e.Message);
        Assert.Contains("not a regular file", e.Message);
        Assert.Equal(before, files.Snapshot());   // same entries, same types: no temporary file left either
    }

    [Theory]
    [MemberData(nameof(NonRegular))]
    public void AGroupWriteRefusesToReplaceOrDeleteWhatIsNotARegularFile(string name)
    {
        string before = files.Snapshot();
        Assert.Throws<UserErrorException>(() => AtomicFile.WriteGroup([(files.Entry("new.txt"), s => s.Write("a"u8)), (files.Entry(name), s => s.Write("b"u8))]));
        Assert.Throws<UserErrorException>(() => AtomicFile.WriteGroup([(files.Entry("new.txt"), s => s.Write("a"u8))], [files.Entry(name)]));
        Assert.Equal(before, files.Snapshot());
    }

    [Fact]
    public void ARegularFileIsReplacedAndAMissingOneCreated()
    {
        AtomicFile.WriteText(files.Regular, "new");
        AtomicFile.WriteText(files.Entry("fresh.txt"), "fresh");
        Assert.Equal("new", File.ReadAllText(files.Regular));
        Assert.Equal("fresh", File.ReadAllText(files.Entry("fresh.txt")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\0b")]
    public void AnEmptyOrUnusablePathIsOneSentence(string path)
    {
        Assert.Throws<UserErrorException>(() => AtomicFile.WriteText(path, "x"));
        Assert.Throws<UserErrorException>(() => OutputFolder.Prepare(path));
        Assert.Throws<UserErrorException>(() => OutputFolder.PrepareFile(path, "--out"));
    }

    [Theory]
    [InlineData("fifo")]
    [InlineData("socket")]
    [InlineData("link")]
    [InlineData("regular.txt")]
    public void AnOutputFolderThatIsNotAFolderIsRefused(string name)
    {
        string before = files.Snapshot();
        var e = Assert.Throws<UserErrorException>(() => OutputFolder.Prepare(files.Entry(name)));
        Assert.Contains("not a folder", e.Message);
        Assert.Equal(before, files.Snapshot());
    }

    [Fact]
    public void ALinkToAFolderIsAnOutputFolder()
    {
        string link = files.Entry("folder-link");
        File.CreateSymbolicLink(link, files.Folder);
        Assert.Equal(link, OutputFolder.Prepare(link));
    }

    [Fact]
    public void AnUnwritableFolderIsNamedBeforeAnyWork()
    {
        // a path below a regular file cannot become a folder, not even for root
        var e = Assert.Throws<UserErrorException>(() => OutputFolder.PrepareFile(Path.Combine(files.Regular, "out.wav"), "--out"));
        Assert.Contains(files.Regular, e.Message);
    }
}
