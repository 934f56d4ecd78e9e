using System.Text.Json;
using ResGen.Imaging;

namespace ResGen.Training;

/// <summary>Reads a run's metrics.jsonl back and draws curves of chosen metrics against the step.</summary>
public static class MetricsFile
{
    /// <summary>(step, value) pairs of one metric, in file order; records without it are skipped.</summary>
    public static (List<double> Steps, List<double> Values) Series(string path, string metric)
    {
        var steps = new List<double>();
        var values = new List<double>();
        if (!File.Exists(path)) return (steps, values);
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty(metric, out var v) && v.ValueKind == JsonValueKind.Number && root.TryGetProperty("step", out var s))
            {
                steps.Add(s.GetDouble());
                values.Add(v.GetDouble());
            }
        }
        return (steps, values);
    }

    /// <summary>Plots the named metrics of a run against the step into one PNG; returns false when none was logged.</summary>
    public static bool Plot(string metricsPath, string pngPath, string title, IReadOnlyList<string> metrics, bool logY = false, string? yLabel = null)
    {
        var plot = new LinePlot(title, "step", yLabel ?? string.Join(", ", metrics), logY: logY);
        bool any = false;
        foreach (var m in metrics)
        {
            var (x, y) = Series(metricsPath, m);
            if (x.Count == 0) continue;
            plot.Add(m, x, y, x.Count > 60 ? PlotStyle.Line : PlotStyle.LineAndMarkers);
            any = true;
        }
        if (any) plot.Save(pngPath);
        return any;
    }
}
