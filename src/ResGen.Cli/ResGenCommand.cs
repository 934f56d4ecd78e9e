using System.CommandLine;
using System.CommandLine.Help;
using ResGen.Cli.Commands;

namespace ResGen.Cli;

/// <summary>The `resgen` command and its verbs.</summary>
public static class ResGenCommand
{
    /// <summary>Help names of the options that take one file or folder path.</summary>
    static readonly HashSet<string> PathHelpNames = ["FILE", "DIR", "PATH", "WAV"];

    public static Command Build()
    {
        var root = new Command("resgen", "ResGen.NET: RVQ tokenizers and ResGen, depth-wise masked generation of RVQ tokens (ICML 2025), on TorchSharp.")
        {
            new HelpOption(),
            new VersionOption(),
            DoctorCommand.Create(),
            DataCommands.Create(),
            TokenizerCommands.Create(),
            TrainCommand.Create(),
            ClassifierCommands.Create(),
            SampleCommand.Create(),
            EvalCommand.Create(),
            BenchCommand.Create(),
            TtsCommand.Create(),
            SpeakerCommands.Create(),
        };
        RefuseEmptyPaths(root);
        return root;
    }

    /// <summary>
    /// Gives every path option of every verb one rule: an empty or whitespace-only path (`--out ''`)
    /// is a parse error, one sentence naming the option, before the verb runs.
    /// </summary>
    static void RefuseEmptyPaths(Command command)
    {
        foreach (var option in command.Options)
        {
            if (option.HelpName is null || !PathHelpNames.Contains(option.HelpName) || option.ValueType != typeof(string)) continue;
            option.Validators.Add(result =>
            {
                if (result.Tokens.Count > 0 && result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
                    result.AddError($"{option.Name} is an empty path; give a file or folder name");
            });
        }
        foreach (var sub in command.Subcommands) RefuseEmptyPaths(sub);
    }
}
