using System.Diagnostics;
using System.Globalization;

namespace ResGen.IO;

/// <summary>
/// An exclusive lock on a run folder while a process writes into it, so that a second `resgen train`
/// given the same --out is refused in one sentence naming the holder instead of interleaving its
/// metrics and checkpoints with the first. The lock is the operating system's (flock, taken by
/// <see cref="FileShare.None"/>): it ends with the process, so the lock of a dead process is simply
/// taken over. The holder's id is written beside it, since the locked file itself cannot be read; the
/// empty lock file stays in the folder after the run.
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    public const string LockName = ".resgen.lock";
    public const string OwnerName = ".resgen.lock.owner";

    readonly FileStream held;
    readonly string owner;

    RunFolderLock(FileStream held, string owner) => (this.held, this.owner) = (held, owner);

    /// <summary>Takes the lock of <paramref name="folder"/> (which must exist), or throws <see cref="UserErrorException"/> naming who holds it.</summary>
    public static RunFolderLock Take(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string owner = Path.Combine(folder, OwnerName);
        FileStream stream;
        try
        {
            // never deleted on close: a file unlinked while another process waits on it would let two holders in
            stream = new FileStream(Path.Combine(folder, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new UserErrorException($"'{folder}' is being written by {Holder(owner)}; wait for it to finish or give another --out.", e);
        }
        try
        {
            using var self = Process.GetCurrentProcess();
            File.WriteAllText(owner, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {self.ProcessName} {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the owner note only improves the message of a second writer; the lock itself holds
        }
        return new RunFolderLock(stream, owner);
    }

    /// <summary>"process 1234 (resgen, since 2026-12-08T03:00:00Z)" from the owner note, or what can be said without it.</summary>
    static string Holder(string owner)
    {
        try
        {
            var parts = File.ReadAllText(owner).Trim().Split(' ');
            if (parts.Length == 3) return $"process {parts[0]} ({parts[1]}, since {parts[2]})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return "another process";
    }

    /// <summary>Removes the owner note and releases the lock; the empty lock file stays (see <see cref="Take"/>).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(owner);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        held.Dispose();
    }
}
