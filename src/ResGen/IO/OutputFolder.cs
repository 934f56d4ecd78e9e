namespace ResGen.IO;

/// <summary>
/// Makes sure an output folder can be written before any work starts, so that a command never
/// computes for minutes and then fails to save (a path under /proc, a file where a folder should
/// be, no permission): one clear sentence instead.
/// </summary>
public static class OutputFolder
{
    /// <summary>Creates <paramref name="path"/> if needed and checks that a file can be written in it; returns the path.</summary>
    public static string Prepare(string path)
    {
        string full = OutputPath.Full(path, "the output folder");
        // a folder, a link to one, or nothing yet; a device, FIFO, socket or file is not made a folder
        if (!Directory.Exists(full) && OutputPath.KindOf(full) is not OutputPath.EntryKind.Missing and var kind)
            throw new UserErrorException($"cannot write output to '{path}': it is {OutputPath.Describe(kind)}, not a folder.");
        string probe = Path.Combine(path, $".write-test-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(path);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UserErrorException($"cannot write output to '{path}': {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>
    /// Checks an output file before any work: <paramref name="path"/> follows <see cref="OutputPath.Check"/>'s
    /// rule (a regular file or nothing yet) and its folder is prepared as by <see cref="Prepare"/>;
    /// <paramref name="what"/> names it in the message (e.g. "--out"). Returns the full path.
    /// </summary>
    public static string PrepareFile(string path, string what)
    {
        string full = OutputPath.Check(path, what);
        Prepare(Path.GetDirectoryName(full) ?? throw new UserErrorException($"{what} '{path}' has no parent folder; give a file name."));
        return full;
    }
}
