using ResGen.Cli;

return CliApp.Invoke(ResGenCommand.Build(), args);
