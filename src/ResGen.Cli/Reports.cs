using System.Text.Json;
using ResGen.IO;
using ResGen.Training;

namespace ResGen.Cli;

/// <summary>What the verbs leave behind for people and scripts: JSON reports, medians of timings, end-of-run summaries.</summary>
public static class Reports
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Writes <paramref name="value"/> as indented snake_case JSON, atomically (the folder is created).</summary>
    public static void WriteJson(string path, object value) => AtomicFile.WriteText(path, JsonSerializer.Serialize(value, Json));

    /// <summary>After a training verb: plots the run's curves to loss.png and prints the final evaluation and where the model is.</summary>
    public static void FinishTraining(string runDirectory, IReadOnlyList<Metric> lastEval, string title, IReadOnlyList<string> curves, string yLabel, bool logY = false)
    {
        string png = Path.Combine(runDirectory, "loss.png");
        MetricsFile.Plot(Path.Combine(runDirectory, TrainLog.MetricsFileName), png, title, curves, logY: logY, yLabel: yLabel);
        Console.WriteLine($"done: {string.Join(", ", lastEval.Select(m => $"{m.Name} {m.FormattedValue}"))}");
        Console.WriteLine($"model: {Path.Combine(runDirectory, "model")}.safetensors (+ .json); loss curve: {png}");
    }
}
