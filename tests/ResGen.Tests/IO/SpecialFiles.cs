using System.Diagnostics;
using System.Net.Sockets;

namespace ResGen.Tests.IO;

/// <summary>
/// Private non-regular files in a temp folder for the output-path tests: a character device (the
/// same as /dev/full, made with mknod; root only), a FIFO, a Unix socket, a symbolic link to the
/// device (or to the FIFO where no device can be made), a folder and a regular file. Nothing under /dev is touched.
/// </summary>
public sealed class SpecialFiles : IDisposable
{
    readonly TempDirectory dir = new();
    readonly Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public SpecialFiles()
    {
        if (Environment.IsPrivilegedProcess) Run("mknod", Device, "c", "1", "7");
        Run("mkfifo", Fifo);
        // kept open: .NET removes the socket's file when it closes the socket
        listener.Bind(new UnixDomainSocketEndPoint(Socket));
        File.CreateSymbolicLink(Link, Environment.IsPrivilegedProcess ? Device : Fifo);
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Regular, "mine");
    }

    public string Device => dir.File("full");
    public string Fifo => dir.File("fifo");
    public string Socket => dir.File("socket");
    public string Link => dir.File("link");
    public string Folder => dir.File("folder");
    public string Regular => dir.File("regular.txt");

    /// <summary>The names of the entries that are not regular files or folders (the device only as root).</summary>
    public static IEnumerable<string> NonRegularNames => Environment.IsPrivilegedProcess ? ["full", "fifo", "socket", "link"] : ["fifo", "socket", "link"];

    public string Entry(string name) => dir.File(name);

    /// <summary>What `stat` says each entry is, to compare before and after a command.</summary>
    public string Snapshot()
    {
        var psi = new ProcessStartInfo("stat", ["-c", "%n %F %s %Y", .. Directory.GetFileSystemEntries(dir.Path).Order(StringComparer.Ordinal)])
        { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text;
    }

    /// <summary>The file type `stat` reports for <paramref name="path"/> ("fifo", "character special file", ...).</summary>
    public static string StatType(string path)
    {
        var psi = new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return text;
    }

    static void Run(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {err}");
    }

    public void Dispose()
    {
        listener.Dispose();
        dir.Dispose();
    }
}
