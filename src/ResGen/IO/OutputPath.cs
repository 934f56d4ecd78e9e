using System.Runtime.InteropServices;

namespace ResGen.IO;

/// <summary>
/// The one rule for the path of an output file: it is a regular file (then replaced) or nothing yet
/// (then created). A device, FIFO, socket, folder or symbolic link there is refused in one sentence,
/// so that no writer renames over what is not its own output (as root, `--out /dev/full` once turned
/// the device node into a plain WAV file).
/// </summary>
public static class OutputPath
{
    /// <summary>What a path names, as lstat(2) sees it (a symbolic link is not followed).</summary>
    public enum EntryKind
    {
        Missing,
        Regular,
        Directory,
        SymbolicLink,
        CharacterDevice,
        BlockDevice,
        Fifo,
        Socket,
    }

    /// <summary>
    /// Checks that <paramref name="path"/> may be written as a file; returns its full path. An empty
    /// path, or one that names anything but a regular file, is a <see cref="UserErrorException"/>
    /// naming <paramref name="what"/> (e.g. "--out").
    /// </summary>
    public static string Check(string? path, string what = "the output")
    {
        string full = Full(path, what);
        var kind = KindOf(full);
        if (kind is EntryKind.Missing or EntryKind.Regular) return full;
        string hint = kind switch
        {
            EntryKind.Directory => "give a file name inside it",
            EntryKind.SymbolicLink => $"name the file it points to ('{Target(full)}') instead",
            _ => "give the path of a regular file",
        };
        throw new UserErrorException($"{what} '{path}' is {Describe(kind)}, not a regular file, so it is not replaced; {hint}.");
    }

    /// <summary>
    /// The full form of a path given for an output; an empty or whitespace-only path, or one the
    /// system cannot take (a NUL character), is a <see cref="UserErrorException"/> naming <paramref name="what"/>.
    /// </summary>
    public static string Full(string? path, string what = "the output")
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UserErrorException($"{what} is an empty path; give a file or folder name.");
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UserErrorException($"{what} '{path}' is not a usable path: {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>What <paramref name="fullPath"/> is, without following a symbolic link at its end.</summary>
    public static EntryKind KindOf(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        var info = new FileInfo(fullPath);
        if (info.LinkTarget is not null) return EntryKind.SymbolicLink;
        if (Directory.Exists(fullPath)) return EntryKind.Directory;
        if (!info.Exists) return EntryKind.Missing;
        return OperatingSystem.IsLinux() ? FileTypeOf(fullPath) : EntryKind.Regular;
    }

    /// <summary>A kind as the middle of a sentence ("a FIFO (named pipe)").</summary>
    public static string Describe(EntryKind kind) => kind switch
    {
        EntryKind.Missing => "missing",
        EntryKind.Regular => "a regular file",
        EntryKind.Directory => "a folder",
        EntryKind.SymbolicLink => "a symbolic link",
        EntryKind.CharacterDevice => "a character device",
        EntryKind.BlockDevice => "a block device",
        EntryKind.Fifo => "a FIFO (named pipe)",
        _ => "a socket",
    };

    static string Target(string link) => new FileInfo(link).LinkTarget ?? "?";

    // statx(2): its buffer has the same layout on every Linux architecture (unlike struct stat);
    // stx_mode is the 16-bit field at byte 28.
    const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    const uint StatxType = 0x1;

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    static EntryKind FileTypeOf(string fullPath)
    {
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, fullPath, AtSymlinkNoFollow, StatxType, buffer) != 0)
            {
                // ENOENT: gone between the two looks, so nothing is replaced; any other failure to
                // look is left to the write itself, which then names the problem
                return Marshal.GetLastPInvokeError() == 2 ? EntryKind.Missing : EntryKind.Regular;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return EntryKind.Regular;   // a C library without statx: only what .NET itself sees is checked
        }

        int type = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        return type switch
        {
            0x8000 => EntryKind.Regular,
            0x4000 => EntryKind.Directory,
            0xA000 => EntryKind.SymbolicLink,
            0x2000 => EntryKind.CharacterDevice,
            0x6000 => EntryKind.BlockDevice,
            0x1000 => EntryKind.Fifo,
            _ => EntryKind.Socket,
        };
    }
}
