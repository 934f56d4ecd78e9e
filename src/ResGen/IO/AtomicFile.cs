namespace ResGen.IO;

/// <summary>
/// Writes files so that readers never see a half-written result: the content goes to a
/// temporary file in the destination folder, which is then renamed over the destination.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Creates <paramref name="path"/> (and its folder, if needed) by letting
    /// <paramref name="write"/> fill a temporary sibling file, then renaming it into place.
    /// If <paramref name="write"/> throws, the temporary file is removed and the destination is
    /// left untouched.
    /// </summary>
    /// <param name="path">Destination file path.</param>
    /// <param name="write">Callback that writes the whole content to the given stream.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);

        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"Path '{path}' has no parent folder.", nameof(path));
        Directory.CreateDirectory(directory);

        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Atomically writes <paramref name="text"/> as UTF-8 (without a byte-order mark).</summary>
    public static void WriteText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temp file is harmless and the original error matters more.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
