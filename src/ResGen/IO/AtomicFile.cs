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
    /// <remarks>
    /// The destination must be a regular file or missing (<see cref="OutputPath.Check"/>): a device,
    /// FIFO, socket, folder or symbolic link is refused before anything is written and looked at again
    /// just before the rename, so that the rename never replaces what is not a file of ours.
    /// </remarks>
    /// <param name="path">Destination file path.</param>
    /// <param name="write">Callback that writes the whole content to the given stream.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);

        string fullPath = OutputPath.Check(path, "the output");
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new UserErrorException($"the output '{path}' has no parent folder; give a file name.");
        Named(path, () => Directory.CreateDirectory(directory));

        string temp = WriteTemporary(fullPath, write);
        try
        {
            OutputPath.Check(path, "the output");
            Named(path, () => File.Move(temp, fullPath, overwrite: true));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Runs a file-system step whose errors become one sentence naming <paramref name="path"/>.</summary>
    private static void Named(string path, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot write '{path}': {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>Writes a flushed temporary sibling of <paramref name="final"/> (removed again if <paramref name="write"/> fails); returns its path.</summary>
    private static string WriteTemporary(string final, Action<Stream> write)
    {
        string temp = Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.tmp");
        try
        {
            FileStream? opened = null;
            Named(final, () => opened = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
            using var stream = opened!;
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return temp;
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

    /// <summary>
    /// Replaces several files of one folder together: after a crash at any moment, either all of them
    /// are the new ones or all the old ones (once <see cref="RemoveStale"/> has run). Each file is
    /// written to a temporary sibling and flushed; then a journal naming the renames is committed
    /// (itself written atomically), the renames and deletions are done, and the journal is removed.
    /// <see cref="RemoveStale"/> finishes a committed journal and drops uncommitted temporary files.
    /// </summary>
    /// <param name="files">Destination paths (all in one folder) and what to write into each.</param>
    /// <param name="delete">Files of the same folder to delete as part of the same change.</param>
    public static void WriteGroup(IReadOnlyList<(string Path, Action<Stream> Write)> files, IReadOnlyList<string>? delete = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        delete ??= [];
        // every file replaced or deleted must be a regular file or missing (OutputPath's rule)
        var finals = files.Select(f => f.Path).Concat(delete).Select(p => OutputPath.Check(p, "the output")).ToList();
        if (finals.Count == 0) return;
        string directory = Path.GetDirectoryName(finals[0]) ?? throw new ArgumentException("a destination has no parent folder.", nameof(files));
        if (finals.Any(f => Path.GetDirectoryName(f) != directory))
            throw new ArgumentException("all files of a group must be in one folder.", nameof(files));
        Named(directory, () => Directory.CreateDirectory(directory));

        var temps = new List<(string Temp, string Final)>();
        try
        {
            foreach (var (path, write) in files)
            {
                string final = Path.GetFullPath(path);
                temps.Add((WriteTemporary(final, write), final));
            }
        }
        catch
        {
            foreach (var (temp, _) in temps) TryDelete(temp);
            throw;
        }

        var journal = new Journal([.. temps.Select(t => new[] { Path.GetFileName(t.Temp), Path.GetFileName(t.Final) })],
                                  [.. delete.Select(Path.GetFileName).OfType<string>()]);
        string journalPath = Path.Combine(directory, $".{Guid.NewGuid():N}{JournalSuffix}");
        WriteText(journalPath, System.Text.Json.JsonSerializer.Serialize(journal));
        Apply(directory, journal);
        File.Delete(journalPath);
    }

    const string JournalSuffix = ".commit";

    sealed record Journal(string[][] Renames, string[] Deletes);

    static void Apply(string directory, Journal journal)
    {
        foreach (var pair in journal.Renames)
        {
            string temp = Path.Combine(directory, pair[0]);
            if (File.Exists(temp)) File.Move(temp, Path.Combine(directory, pair[1]), overwrite: true);
        }

        foreach (var name in journal.Deletes) File.Delete(Path.Combine(directory, name));
    }

    /// <summary>
    /// Cleans up after a process that was killed while writing into <paramref name="directory"/>:
    /// finishes every committed <see cref="WriteGroup"/>, then deletes the temporary files that
    /// <see cref="Write"/> and <see cref="WriteGroup"/> leave behind (names <c>.NAME.&lt;32 hex digits&gt;.tmp</c>);
    /// returns how many it deleted. Call it only where no other process is writing into the folder.
    /// </summary>
    public static int RemoveStale(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        foreach (var journalPath in Directory.EnumerateFiles(directory, "*" + JournalSuffix).Order(StringComparer.Ordinal))
        {
            Journal? journal = null;
            try { journal = System.Text.Json.JsonSerializer.Deserialize<Journal>(File.ReadAllText(journalPath)); }
            catch (System.Text.Json.JsonException) { }
            if (journal?.Renames is not null && journal.Deletes is not null) Apply(directory, journal);
            File.Delete(journalPath);
        }

        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, ".*.tmp"))
        {
            if (!StaleName.IsMatch(Path.GetFileName(file))) continue;
            TryDelete(file);
            if (!File.Exists(file)) removed++;
        }

        return removed;
    }

    private static readonly System.Text.RegularExpressions.Regex StaleName = new(@"^\..+\.[0-9a-f]{32}\.tmp$");

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
