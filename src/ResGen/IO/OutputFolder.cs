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
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
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
}
