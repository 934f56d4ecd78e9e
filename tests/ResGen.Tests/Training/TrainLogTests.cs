using System.Text.Json;
using ResGen.Training;

namespace ResGen.Tests.Training;

public sealed class TrainLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("resgen-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Metric[] Example =
    [
        new("loss", 1.23451), new("commit", 0.0123), Metric.Percent("usage", 0.973), Metric.Scientific("lr", 3e-4),
    ];

    [Fact]
    public void LineMatchesTheDocumentedLayout()
    {
        var line = TrainLog.FormatLine(400, 2000, Example, 38.23, TimeSpan.FromSeconds(62));
        Assert.Equal("step 400/2000 | loss 1.2345 | commit 0.0123 | usage 97.3% | lr 3.0e-04 | 38.2 ms/step | eta 01:02", line);
        Assert.Equal("step 0/10 | loss 2.0000", TrainLog.FormatLine(0, 10, [new("loss", 2.0000001)], null, null));
    }

    [Theory]
    [InlineData(0.0, MetricFormat.Auto, "0")]
    [InlineData(1024.0, MetricFormat.Auto, "1024")]
    [InlineData(-3.5, MetricFormat.Auto, "-3.5000")]
    [InlineData(12.345678, MetricFormat.Auto, "12.346")]
    [InlineData(1234.5678, MetricFormat.Auto, "1234.6")]
    [InlineData(0.00012345, MetricFormat.Auto, "1.235e-04")]
    [InlineData(123456.7, MetricFormat.Auto, "1.235e+05")]
    [InlineData(double.NaN, MetricFormat.Auto, "nan")]
    [InlineData(double.PositiveInfinity, MetricFormat.Percent, "inf")]
    [InlineData(1.0, MetricFormat.Percent, "100.0%")]
    [InlineData(0.00025, MetricFormat.Scientific, "2.5e-04")]
    [InlineData(7.6, MetricFormat.Integer, "8")]
    public void NumbersAreFormattedSensibly(double value, MetricFormat format, string expected) =>
        Assert.Equal(expected, Metric.FormatNumber(value, format));

    [Theory]
    [InlineData(0, "00:00")]
    [InlineData(59.6, "01:00")]
    [InlineData(3599, "59:59")]
    [InlineData(3600, "1:00:00")]
    [InlineData(90061, "25:01:01")]
    public void DurationsAreCompact(double seconds, string expected) =>
        Assert.Equal(expected, TrainLog.FormatDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void LinesParseBack()
    {
        var values = TrainLog.ParseLine(TrainLog.FormatLine(400, 2000, Example, 38.2, TimeSpan.FromSeconds(3725)));
        Assert.Equal(400, values["step"]);
        Assert.Equal(2000, values["total_steps"]);
        Assert.Equal(1.2345, values["loss"], 10);
        Assert.Equal(0.973, values["usage"], 10);
        Assert.Equal(3e-4, values["lr"], 10);
        Assert.Equal(38.2, values["ms_per_step"], 10);
        Assert.Equal(3725, values["eta_s"], 10);
    }

    [Fact]
    public void WriteTimesStepsAndAppendsJsonLines()
    {
        var now = TimeSpan.Zero;
        var console = new StringWriter();
        string first, second;
        using (var log = new TrainLog(_dir, totalSteps: 1000, console, () => now))
        {
            first = log.Write(0, [new("loss", 3.0)]);
            now = TimeSpan.FromSeconds(4);
            second = log.Write(100, [new("loss", 2.5), Metric.Percent("usage", 0.5), new("grad_norm", double.NaN)]);
        }

        Assert.Equal("step 0/1000 | loss 3", first);
        Assert.Equal("step 100/1000 | loss 2.5000 | usage 50.0% | grad_norm nan | 40.0 ms/step | eta 00:36", second);
        Assert.Equal(first + Environment.NewLine + second + Environment.NewLine, console.ToString());

        // A second log on the same run directory appends when resuming, its time going on from the last record.
        using (var resumed = new TrainLog(_dir, totalSteps: 1000, clock: () => now, resumeAfter: 100))
        {
            resumed.Write(200, [new("loss", 2.0)]);
        }

        var lines = File.ReadAllLines(Path.Combine(_dir, TrainLog.MetricsFileName));
        Assert.Equal(3, lines.Length);
        Assert.Equal(8.0, JsonDocument.Parse(lines[2]).RootElement.GetProperty("time_s").GetDouble());
        var record = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(100, record.GetProperty("step").GetInt64());
        Assert.Equal(1000, record.GetProperty("total_steps").GetInt64());
        Assert.Equal(4.0, record.GetProperty("time_s").GetDouble());
        Assert.Equal(2.5, record.GetProperty("loss").GetDouble());
        Assert.Equal(0.5, record.GetProperty("usage").GetDouble());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("grad_norm").ValueKind);
        Assert.Equal(40.0, record.GetProperty("ms_per_step").GetDouble(), 9);
        Assert.Equal(36.0, record.GetProperty("eta_s").GetDouble(), 9);
        Assert.Equal(["step", "total_steps", "time_s", "loss", "usage", "grad_norm", "ms_per_step", "eta_s"],
            record.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void ResumingDropsTheRecordsAfterTheCheckpointAndATornLine()
    {
        string path = Path.Combine(_dir, TrainLog.MetricsFileName);
        File.WriteAllText(path, "{\"step\":100,\"time_s\":5}\n{\"step\":200,\"time_s\":9}\n{\"step\":300,\"time_s\":14}\n{\"step\":40");
        var now = TimeSpan.FromSeconds(1);
        using (var log = new TrainLog(_dir, totalSteps: 1000, clock: () => now, resumeAfter: 250))
        {
            log.Write(300, [new("loss", 1.0)]);
        }

        var records = File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([100L, 200L, 300L], records.Select(r => r.GetProperty("step").GetInt64()));
        Assert.Equal(10.0, records[2].GetProperty("time_s").GetDouble());   // 9 s before the checkpoint + 1 s since
        Assert.Empty(Directory.GetFiles(_dir, ".*"));

        using (new TrainLog(_dir, totalSteps: 1000))                         // a fresh start keeps nothing
        {
        }

        Assert.Equal("", File.ReadAllText(path));
    }

    [Fact]
    public void BadMetricNamesAreRejected()
    {
        using var log = new TrainLog(null, 10);
        Assert.Null(log.MetricsPath);
        Assert.Throws<ArgumentException>(() => log.Write(1, [new("two words", 1)]));
        Assert.Throws<ArgumentException>(() => log.Write(1, [new("step", 1)]));
        Assert.Throws<ArgumentException>(() => log.Write(1, [new("a", 1), new("a", 2)]));
    }
}
