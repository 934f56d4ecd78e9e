using System.CommandLine;
using ResGen.Runtime;

namespace ResGen.Cli.Commands;

/// <summary>`resgen doctor`: what the program runs on, and why TorchSharp does not load when it does not.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var cmd = new Command("doctor", "Print versions (TorchSharp, libtorch), the native backend it was built with, CUDA devices and cuDNN, threads, the state of the native-library fix, data and fonts.") { data };
        cmd.SetAction(pr =>
        {
            var lines = EnvironmentReport.Collect(pr.GetValue(data), typeof(DoctorCommand).Assembly);
            int width = lines.Max(l => l.Name.Length);
            foreach (var (name, value) in lines) Console.WriteLine($"{name.PadRight(width)}  {value}");
            var problems = lines.Where(l => l.Value == "FAILED TO LOAD" || l.Value.StartsWith(EnvironmentReport.ProblemMark, StringComparison.Ordinal)).ToList();
            if (problems.Count == 0) return 0;
            Console.Error.WriteLine($"error: {string.Join("; ", problems.Select(p => p.Name.Trim()))}: see above.");
            return CliApp.UserError;
        });
        return cmd;
    }
}
