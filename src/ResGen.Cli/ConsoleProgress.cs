using ResGen.Training;
using Spectre.Console;

namespace ResGen.Cli;

/// <summary>
/// A progress bar for long work on a terminal (with the log lines printed above it); plain log
/// lines only when the output is redirected, so CI logs stay readable.
/// </summary>
public static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/>, giving it a progress sink and a writer for log lines.</summary>
    public static T Run<T>(string title, double total, Func<IProgress<double>, TextWriter, T> work)
    {
        if (!CliApp.Interactive) return work(new Progress<double>(_ => { }), Console.Out);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: total);
                var sink = new SyncProgress(v => task.Value = v);
                result = work(sink, new LineWriter());
                task.Value = total;
            });
        return result;
    }

    /// <summary>Adapter for training loops: steps to the bar, log lines above it.</summary>
    public static IReadOnlyList<Metric> RunTraining(string title, long steps, Func<IProgress<TrainProgress>, TextWriter, IReadOnlyList<Metric>> work)
        => Run(title, steps, (p, w) => work(new SyncProgress<TrainProgress>(tp => p.Report(tp.Step)), w));

    sealed class SyncProgress(Action<double> report) : IProgress<double> { public void Report(double value) => report(value); }
    /// <summary>Reports on the calling thread, in order (System.Progress posts to the thread pool).</summary>
    public sealed class SyncProgress<TP>(Action<TP> report) : IProgress<TP> { public void Report(TP value) => report(value); }

    /// <summary>Writes whole lines through Spectre so they appear above the live bar.</summary>
    sealed class LineWriter : StringWriter
    {
        public override void WriteLine(string? value) => AnsiConsole.WriteLine(value ?? "");
        public override void Write(string? value) { if (!string.IsNullOrEmpty(value)) AnsiConsole.Write(new Spectre.Console.Text(value)); }
    }
}
