using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ResGen.Training;

/// <summary>
/// Writes one parsable line per logging interval, such as
/// <c>step 400/2000 | loss 1.2345 | usage 97.3% | lr 3.0e-04 | 38.2 ms/step | eta 01:02</c>,
/// and appends the same record with raw values as a JSON line to <c>metrics.jsonl</c> in the run directory.
/// </summary>
/// <remarks>
/// Speed is measured between consecutive <see cref="Write"/> calls; the ETA extrapolates it to
/// the remaining steps. JSON records hold <c>step</c>, <c>total_steps</c>, <c>time_s</c>, every metric,
/// <c>ms_per_step</c> and <c>eta_s</c>; non-finite values are written as null.
/// </remarks>
public sealed class TrainLog : IDisposable
{
    /// <summary>File name of the JSON-lines log in the run directory.</summary>
    public const string MetricsFileName = "metrics.jsonl";

    private static readonly HashSet<string> Reserved = ["step", "total_steps", "time_s", "ms_per_step", "eta_s"];

    private readonly TextWriter? _console;
    private readonly StreamWriter? _jsonl;
    private readonly Func<TimeSpan> _clock;
    private (long Step, TimeSpan Time)? _last;

    /// <summary>Creates a log for a run of <paramref name="totalSteps"/> steps.</summary>
    /// <param name="runDirectory">Where <c>metrics.jsonl</c> is appended; null writes no file.</param>
    /// <param name="totalSteps">Steps in the run, for <c>step N/T</c> and the ETA.</param>
    /// <param name="console">Receives the text lines; null prints nothing.</param>
    /// <param name="clock">Elapsed time since the run started; defaults to a stopwatch started now.</param>
    /// <param name="resumeAfter">
    /// The step the run starts after: records of later steps (written after the checkpoint a run
    /// resumes from) are dropped from <c>metrics.jsonl</c>, and <c>time_s</c> goes on from the last record kept.
    /// </param>
    public TrainLog(string? runDirectory, long totalSteps, TextWriter? console = null, Func<TimeSpan>? clock = null, long resumeAfter = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        TotalSteps = totalSteps;
        _console = console;
        if (clock is null)
        {
            var stopwatch = Stopwatch.StartNew();
            clock = () => stopwatch.Elapsed;
        }

        if (runDirectory is not null)
        {
            Directory.CreateDirectory(runDirectory);
            MetricsPath = Path.Combine(runDirectory, MetricsFileName);
            var offset = TimeSpan.FromSeconds(KeepRecordsUpTo(MetricsPath, resumeAfter));
            var inner = clock;
            clock = () => offset + inner();
            _jsonl = new StreamWriter(new FileStream(MetricsPath, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        }

        _clock = clock;
    }

    /// <summary>
    /// Rewrites <paramref name="path"/> (atomically) without the records of steps after
    /// <paramref name="step"/> and without a torn last line; returns the <c>time_s</c> of the last record kept.
    /// </summary>
    public static double KeepRecordsUpTo(string path, long step)
    {
        if (!File.Exists(path)) return 0;
        var kept = new List<string>();
        double time = 0;
        bool dropped = false;
        foreach (var line in File.ReadLines(path))
        {
            long? recordStep = null;
            double? recordTime = null;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt64(out var v)) recordStep = v;
                    if (doc.RootElement.TryGetProperty("time_s", out var t) && t.ValueKind == JsonValueKind.Number) recordTime = t.GetDouble();
                }
            }
            catch (JsonException) { }
            if (recordStep is not { } rs || rs > step) { dropped = true; continue; }
            kept.Add(line);
            if (recordTime is { } rt) time = rt;
        }

        if (dropped)
        {
            IO.AtomicFile.WriteText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
        }

        return time;
    }

    /// <summary>Steps in the run.</summary>
    public long TotalSteps { get; }

    /// <summary>Path of <c>metrics.jsonl</c>, or null when no run directory was given.</summary>
    public string? MetricsPath { get; }

    /// <summary>Logs the metrics for <paramref name="step"/> (steps completed); returns the text line.</summary>
    public string Write(long step, IReadOnlyList<Metric> metrics)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentNullException.ThrowIfNull(metrics);
        CheckNames(metrics);
        var now = _clock();
        double? msPerStep = _last is { } last && step > last.Step
            ? (now - last.Time).TotalMilliseconds / (step - last.Step)
            : null;
        _last = (step, now);
        TimeSpan? eta = msPerStep is { } ms ? TimeSpan.FromMilliseconds(ms * Math.Max(0, TotalSteps - step)) : null;

        var line = FormatLine(step, TotalSteps, metrics, msPerStep, eta);
        _console?.WriteLine(line);
        if (_jsonl is not null)
        {
            _jsonl.WriteLine(FormatJson(step, TotalSteps, now, metrics, msPerStep, eta));
            _jsonl.Flush();
        }

        return line;
    }

    /// <summary>Builds a text line; a pure function, see the class summary for the layout.</summary>
    public static string FormatLine(long step, long totalSteps, IReadOnlyList<Metric> metrics, double? msPerStep, TimeSpan? eta)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var parts = new List<string>(metrics.Count + 3) { $"step {step}/{totalSteps}" };
        parts.AddRange(metrics.Select(m => $"{m.Name} {m.FormattedValue}"));
        if (msPerStep is { } ms)
        {
            parts.Add($"{ms.ToString(ms >= 1000 ? "F0" : "F1", CultureInfo.InvariantCulture)} ms/step");
        }

        if (eta is { } e)
        {
            parts.Add($"eta {FormatDuration(e)}");
        }

        return string.Join(" | ", parts);
    }

    /// <summary>A duration as <c>mm:ss</c>, or <c>h:mm:ss</c> from one hour on.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var seconds = (long)Math.Round(Math.Max(0, duration.TotalSeconds));
        var (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        return h > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{h}:{m:00}:{s:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{m:00}:{s:00}");
    }

    /// <summary>
    /// Reads a line made by <see cref="FormatLine"/> back into raw values keyed like the JSON record
    /// (<c>step</c>, <c>total_steps</c>, metrics, <c>ms_per_step</c>, <c>eta_s</c>); percentages become fractions.
    /// Values are as precise as the line shows them.
    /// </summary>
    public static Dictionary<string, double> ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var part in line.Split(" | "))
        {
            var fields = part.Split(' ', 2);
            if (fields.Length != 2)
            {
                throw new FormatException($"Log segment '{part}' is not 'name value'.");
            }

            if (fields[0] == "step")
            {
                var counts = fields[1].Split('/');
                values["step"] = ParseNumber(counts[0]);
                values["total_steps"] = ParseNumber(counts[^1]);
            }
            else if (fields[1] == "ms/step")
            {
                values["ms_per_step"] = ParseNumber(fields[0]);
            }
            else if (fields[0] == "eta")
            {
                values["eta_s"] = fields[1].Split(':').Aggregate(0.0, (total, unit) => total * 60 + ParseNumber(unit));
            }
            else
            {
                values[fields[0]] = fields[1].EndsWith('%') ? ParseNumber(fields[1][..^1]) / 100 : ParseNumber(fields[1]);
            }
        }

        return values;
    }

    /// <summary>Closes <c>metrics.jsonl</c>.</summary>
    public void Dispose() => _jsonl?.Dispose();

    private static double ParseNumber(string text) => text switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string FormatJson(long step, long totalSteps, TimeSpan time, IReadOnlyList<Metric> metrics, double? msPerStep, TimeSpan? eta)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("step", step);
            json.WriteNumber("total_steps", totalSteps);
            WriteNumber(json, "time_s", Math.Round(time.TotalSeconds, 3));
            foreach (var metric in metrics)
            {
                WriteNumber(json, metric.Name, metric.Value);
            }

            WriteNumber(json, "ms_per_step", msPerStep);
            WriteNumber(json, "eta_s", eta is { } e ? Math.Round(e.TotalSeconds, 1) : null);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void CheckNames(IReadOnlyList<Metric> metrics)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            if (string.IsNullOrEmpty(metric.Name) || metric.Name.Any(c => char.IsWhiteSpace(c) || c == '|'))
            {
                throw new ArgumentException($"Metric name '{metric.Name}' must be non-empty without spaces or '|'.", nameof(metrics));
            }

            if (Reserved.Contains(metric.Name) || !seen.Add(metric.Name))
            {
                throw new ArgumentException($"Metric name '{metric.Name}' is reserved or repeated.", nameof(metrics));
            }
        }
    }
}
