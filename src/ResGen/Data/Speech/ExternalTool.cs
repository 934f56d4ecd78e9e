using System.Diagnostics;

namespace ResGen.Data.Speech;

/// <summary>Runs the speech engines (espeak-ng, festival, sox) as child processes.</summary>
public static class ExternalTool
{
    /// <summary>The full path of <paramref name="program"/> on <paramref name="searchPath"/> (default: $PATH), or null.</summary>
    public static string? Find(string program, string? searchPath = null)
    {
        foreach (var dir in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/>, writing <paramref name="input"/>
    /// to its standard input; returns its standard output. A non-zero exit or a run longer than
    /// <paramref name="timeout"/> throws, naming the command and what it printed on stderr.
    /// </summary>
    public static string Run(string program, IEnumerable<string> arguments, string? input, TimeSpan timeout, CancellationToken cancel = default)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        try
        {
            if (input is not null) process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the program closed its input early; its exit code tells what happened
        }
        using (cancel.Register(() => Kill(process)))
        {
            if (!process.WaitForExit(timeout))
            {
                Kill(process);
                throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', info.ArgumentList)} ran longer than {timeout.TotalSeconds:0} s and was stopped.");
            }
            process.WaitForExit();
        }
        cancel.ThrowIfCancellationRequested();
        string err = stderr.Result.Trim();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', info.ArgumentList)} failed with exit code {process.ExitCode}{(err.Length > 0 ? ": " + err : "")}.");
        return stdout.Result;
    }

    static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
    }
}
