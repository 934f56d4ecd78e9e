using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ResGen.Data.Speech;
using TorchSharp;

namespace ResGen.Cli.Commands;

/// <summary>Runs bench/twin/resgen_twin.py (the PyTorch twin of the ResGen network, sampler and training step) and reads its one JSON line.</summary>
static class PyTorchTwin
{
    /// <summary>The arguments every task of the twin takes: the device, the threads and the training step's arithmetic.</summary>
    public static string[] Common(torch.Device device, int threads, bool bf16) =>
        ["--device", device.type == DeviceType.CUDA ? "cuda" : "cpu", "--threads", threads.ToString(CultureInfo.InvariantCulture), "--precision", bf16 ? "bf16" : "fp32"];

    /// <summary>--python: the Python with torch that runs the twin.</summary>
    public static Option<string> PythonOption() => new("--python")
    {
        Description = "Python with torch that runs the twin (Debian: apt-get install python3-torch).",
        DefaultValueFactory = _ => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3",
        HelpName = "PROGRAM",
    };

    /// <summary>Throws unless --peak-tflops is finite and 0 or more.</summary>
    public static void CheckPeak(double peakTflops)
    {
        if (!(peakTflops >= 0) || double.IsInfinity(peakTflops)) throw new UserErrorException($"--peak-tflops must be finite and 0 or more, got {peakTflops}.");
    }

    /// <summary>", MFU x% of P TFLOP/s" for a measured rate, or "" when no peak was given.</summary>
    public static string Mfu(double tflops, double peakTflops)
        => peakTflops > 0 ? string.Create(CultureInfo.InvariantCulture, $", MFU {tflops / peakTflops * 100:0.0}% of {peakTflops:0.#} TFLOP/s") : "";

    public static JsonElement Run(string python, string script, IReadOnlyList<string> args)
    {
        string output;
        try { output = ExternalTool.Run(python, [script, .. args], null, TimeSpan.FromMinutes(30)); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new UserErrorException($"the PyTorch twin did not run ({e.Message.Split('\n')[0]}); install Python's torch (Debian: apt-get install python3-torch) or pass --twin none.");
        }
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
    }
}
