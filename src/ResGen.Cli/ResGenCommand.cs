using System.CommandLine;
using System.CommandLine.Help;
using ResGen.Cli.Commands;

namespace ResGen.Cli;

/// <summary>The `resgen` command and its verbs.</summary>
public static class ResGenCommand
{
    public static Command Build() => new("resgen", "ResGen.NET: RVQ tokenizers and ResGen, depth-wise masked generation of RVQ tokens (ICML 2025), on TorchSharp.")
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
}
