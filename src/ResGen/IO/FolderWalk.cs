using System.Runtime.InteropServices;

namespace ResGen.IO;

/// <summary>
/// Walks a folder tree and follows a symbolic link to a folder at most once: every folder is visited
/// once under its real path (all links resolved), so a link back to an ancestor (a loop) or two links
/// to one folder never repeat its files. .NET's own recursive enumeration follows such a loop until
/// the path is too long (one picture counted 41 times).
/// </summary>
public static class FolderWalk
{
    /// <summary>
    /// The files below <paramref name="root"/>, in no particular order; names starting with '.' (files and
    /// folders) and unreadable folders are left out.
    /// </summary>
    public static IEnumerable<string> Files(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System, IgnoreInaccessible = true };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            if (!seen.Add(RealPath(dir))) continue;   // reached again through a link
            foreach (var file in Directory.EnumerateFiles(dir, "*", options))
                if (!Path.GetFileName(file).StartsWith('.')) yield return file;
            foreach (var sub in Directory.EnumerateDirectories(dir, "*", options))
                if (!Path.GetFileName(sub).StartsWith('.')) pending.Push(sub);
        }
    }

    /// <summary>The canonical path of an existing folder: every symbolic link on the way resolved (realpath(3)).</summary>
    public static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        if (!OperatingSystem.IsLinux()) return full;
        var buffer = new byte[4097];   // PATH_MAX and its NUL
        try
        {
            if (Realpath(full, buffer) == IntPtr.Zero) return full;   // gone or unreadable: the enumeration then skips it
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return full;
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, Array.IndexOf(buffer, (byte)0));
    }

    [DllImport("libc.so.6", EntryPoint = "realpath", SetLastError = true)]
    static extern IntPtr Realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] resolved);
}
