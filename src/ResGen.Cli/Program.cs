using System.CommandLine;
using System.CommandLine.Help;
using ResGen.Cli;
using ResGen.Cli.Commands;

var root = new Command("resgen", "ResGen.NET: RVQ tokenizers and ResGen, depth-wise masked generation of RVQ tokens (ICML 2025), on TorchSharp.")
{
    new HelpOption(),
    new VersionOption(),
};
root.Subcommands.Add(DoctorCommand.Create());
root.Subcommands.Add(TokenizerCommands.Create());
root.Subcommands.Add(ClassifierCommands.Create());
return CliApp.Invoke(root, args);
