using ResGen.Cli;

namespace ResGen.Tests;

/// <summary>The repository the tests run from, and the `resgen` command run in-process.</summary>
internal static class Repo
{
    /// <summary>The folder holding ResGen.slnx, above the test binaries.</summary>
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ResGen.slnx"))) return d.FullName;
        throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs `resgen ARGS` in this process; returns the exit code and what it printed.</summary>
    public static (int Code, string Out, string Err) Resgen(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (CliApp.Invoke(ResGenCommand.Build(), args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }
}
