using System.CommandLine;
using Spectre.Console;

namespace ResGen.Cli;

/// <summary>Runs a command line; user mistakes become one sentence on stderr and a non-zero exit code.</summary>
public static class CliApp
{
    public const int UserError = 2;
    public const int InternalError = 70;

    public static int Invoke(Command root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // one sentence, not the whole help: the first problem and where the help is
            var verb = string.Join(' ', Path(parse.CommandResult));
            // a word the parser did not know explains more than what it then found missing
            var first = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            // "Must be one of:" lists its values one per line: keep them on the sentence's line
            var message = string.Join(' ', first.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Console.Error.WriteLine($"error: {message.TrimEnd('.')} (see `{verb} --help`).");
            return UserError;
        }
        try
        {
            using var stop = GracefulStop.Listen();
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) { return Report(e); }
    }

    static IEnumerable<string> Path(System.CommandLine.Parsing.CommandResult? result)
    {
        var names = new Stack<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult) names.Push(r.Command.Name);
        return names;
    }

    /// <summary>Prints an exception the way a user should see it and returns the exit code.</summary>
    public static int Report(Exception e)
    {
        var user = Find<UserErrorException>(e);
        if (user is not null)
        {
            Console.Error.WriteLine("error: " + user.Message);
            return UserError;
        }
        if (Find<TypeInitializationException>(e) is { } tie && tie.TypeName?.Contains("torch", StringComparison.OrdinalIgnoreCase) == true)
        {
            Console.Error.WriteLine("error: TorchSharp's native library failed to load; run `resgen doctor` for the load trace (see README, Troubleshooting).");
            return UserError;
        }
        if (Find<ResGen.Training.TrainingStoppedException>(e) is { } stopped)
        {
            Console.Error.WriteLine("stopped: " + stopped.Message);
            return 130;
        }
        if (Find<OperationCanceledException>(e) is not null)
        {
            Console.Error.WriteLine("cancelled.");
            return 130;
        }
        if (Find<IOException>(e) is { } io && io is not FileNotFoundException)
        {
            Console.Error.WriteLine("error: " + io.Message);
            return UserError;
        }
        if (Find<UnauthorizedAccessException>(e) is { } denied)
        {
            Console.Error.WriteLine("error: " + denied.Message.TrimEnd('.') + " (no permission to write there?).");
            return UserError;
        }
        Console.Error.WriteLine("internal error (please report): " + e);
        return InternalError;
    }

    static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T t) return t;
            if (e is AggregateException a && a.InnerExceptions.Count == 1) return Find<T>(a.InnerExceptions[0]);
        }
        return null;
    }

    /// <summary>True when stdout is a terminal that can show a live progress bar.</summary>
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
}
