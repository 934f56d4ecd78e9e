using System.CommandLine;
using ResGen.Runtime;

namespace ResGen.Cli.Commands;

/// <summary>`resgen doctor`: what the program runs on, and why TorchSharp does not load when it does not.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var cmd = new Command("doctor", "Print versions (TorchSharp, libtorch), devices, threads, the state of the native-library fix, data and fonts.") { data };
        cmd.SetAction(pr =>
        {
            var lines = EnvironmentReport.Collect(pr.GetValue(data));
            int width = lines.Max(l => l.Name.Length);
            foreach (var (name, value) in lines) Console.WriteLine($"{name.PadRight(width)}  {value}");
            return lines.Any(l => l.Value == "FAILED TO LOAD") ? CliApp.UserError : 0;
        });
        return cmd;
    }
}
