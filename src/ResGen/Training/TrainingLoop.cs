using System.Diagnostics;
using ResGen.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>Where a run stands; reported after every step.</summary>
public readonly record struct TrainProgress(long Step, long TotalSteps, string? LogLine);

/// <summary>
/// The training loop every model shares: AdamW over one flat buffer, warm-up + cosine learning
/// rate, gradient clipping, an EMA of the weights, a parsable log line per interval, periodic
/// evaluation and atomic checkpoints, and resuming.
/// </summary>
/// <remarks>
/// A run directory holds <c>last.*</c> (the raw weights plus optimizer/EMA state, for
/// <c>--resume</c>) and <c>model.*</c> (the weights to use: the EMA when enabled), both with the
/// resolved config. Every step draws its randomness from a generator seeded by (seed, step), so a
/// resumed run continues exactly as an uninterrupted one would. Loss parts are summed on the
/// device and read only at the logging interval.
/// </remarks>
public sealed class TrainingLoop<TConfig>(nn.Module module, string kind, TConfig config, TrainSettings settings, string runDirectory)
{
    /// <summary>Computes the loss of one step from (step, generator for that step).</summary>
    public required Func<long, Generator, LossBreakdown> Loss { get; init; }
    /// <summary>Called at each evaluation with the weights to use swapped in (eval mode); returns metrics to log.</summary>
    public Func<long, IReadOnlyList<Metric>>? Evaluate { get; init; }
    /// <summary>Further metrics for each log line (e.g. codebook usage), read at the interval.</summary>
    public Func<IReadOnlyList<Metric>>? ExtraMetrics { get; init; }
    /// <summary>Receives the log lines (null: none).</summary>
    public TextWriter? Console { get; init; }
    /// <summary>Progress after each step.</summary>
    public IProgress<TrainProgress>? Progress { get; init; }
    /// <summary>When cancelled, the run finishes its step, saves <c>last</c> and throws <see cref="TrainingStoppedException"/>.</summary>
    public CancellationToken Stop { get; init; }
    /// <summary>Device of the module; the per-step generators live there.</summary>
    public Device Device { get; init; } = torch.CPU;

    public string LastPath => Path.Combine(runDirectory, "last");
    public string ModelPath => Path.Combine(runDirectory, "model");

    /// <summary>Runs to <see cref="TrainSettings.Steps"/>; with <paramref name="resume"/>, continues from <c>last</c>.</summary>
    /// <returns>The metrics of the last evaluation (empty if none ran).</returns>
    public IReadOnlyList<Metric> Run(bool resume)
    {
        settings.Validate();
        Directory.CreateDirectory(runDirectory);
        using var exclusive = RunFolderLock.Take(runDirectory);   // one writer per run folder; RemoveStale relies on it
        AtomicFile.RemoveStale(runDirectory);
        using var opt = new FlatAdamW(module, new FlatAdamWOptions { LearningRate = settings.Lr, WeightDecay = settings.WeightDecay });
        using var ema = settings.EmaDecay > 0 ? new Ema(module, opt, settings.EmaDecay, warmup: true) : null;
        long start = 0;
        if (resume)
        {
            if (!File.Exists(LastPath + ".json"))
                throw new UserErrorException($"cannot resume: no checkpoint at {LastPath}.json (start without --resume).");
            Checkpoint.Load(LastPath, module, kind);
            using var state = Checkpoint.LoadTrainingState(LastPath);
            state.Restore(opt, ema, restoreRng: false);
            start = state.Step;
            Console?.WriteLine($"resumed from {LastPath} at step {start}");
        }
        var schedule = LrSchedule.Cosine(settings.Lr, Math.Min(settings.WarmupSteps, settings.Steps - 1), settings.Steps, settings.MinLr);
        using var log = new TrainLog(runDirectory, settings.Steps, Console, resumeAfter: start);
        var sums = new Dictionary<string, Tensor>();
        Tensor? gradSum = null;
        long sinceLog = 0;
        IReadOnlyList<Metric> lastEval = [];
        using var watch = new NonFiniteWatch(start, Device);
        long saved = resume ? start : 0;
        string Kept() => saved > 0 ? $"the last good checkpoint {LastPath} (step {saved}) is kept" : "no checkpoint had been written yet";

        for (long step = start + 1; step <= settings.Steps; step++)
        {
            double lr = schedule.At(step - 1);
            using (var scope = torch.NewDisposeScope())
            {
                module.train();
                var generator = new Generator((ulong)(settings.Seed * 1_000_003 + step), Device);
                opt.ZeroGrad();
                var loss = Loss(step, generator);
                loss.Loss.backward();
                var norm = settings.GradClip > 0 ? opt.ClipGradNorm(settings.GradClip) : opt.GradNorm();
                opt.Step(lr);
                ema?.Update();
                watch.Observe(loss.Loss, norm);
                using (torch.no_grad())
                {
                    Accumulate(sums, "loss", loss.Loss);
                    foreach (var (name, value) in loss.Parts) Accumulate(sums, name, value);
                    gradSum = gradSum is null ? norm.detach().clone().DetachFromDisposeScope() : gradSum.add_(norm);
                }
                generator.Dispose();
            }
            sinceLog++;

            string? line = null;
            bool last = step == settings.Steps;
            if (step % settings.LogEvery == 0 || last)
            {
                // in-place ops hand back fresh tensor handles: let a scope dispose them
                using var logScope = torch.NewDisposeScope();
                var metrics = new List<Metric>();
                foreach (var (name, sum) in sums) metrics.Add(new Metric(name, sum.item<float>() / sinceLog));   // host: logging interval
                metrics.Add(new Metric("grad_norm", gradSum!.item<float>() / sinceLog));   // host: logging interval
                metrics.Add(Metric.Scientific("lr", lr));
                if (ExtraMetrics is not null) metrics.AddRange(ExtraMetrics());
                line = log.Write(step, metrics);
                watch.Check(Kept(), lr);
                foreach (var t in sums.Values) t.zero_();
                gradSum!.zero_();
                sinceLog = 0;
            }
            if (Evaluate is not null && ((settings.EvalEvery > 0 && step % settings.EvalEvery == 0) || last))
            {
                lastEval = RunEvaluation(step, ema);
                if (lastEval.Count > 0) line = log.Write(step, [new Metric("eval", 1), .. lastEval]);
            }
            bool stop = Stop.IsCancellationRequested && !last;
            if ((settings.CheckpointEvery > 0 && step % settings.CheckpointEvery == 0) || last || stop)
            {
                // nothing non-finite is ever saved: the last good checkpoint stays as it is
                watch.Check(Kept(), lr);
                Save(step, opt, ema, Kept());
                saved = step;
            }
            Progress?.Report(new TrainProgress(step, settings.Steps, line));
            if (stop)
            {
                foreach (var t in sums.Values) t.Dispose();
                gradSum?.Dispose();
                throw new TrainingStoppedException(step, settings.Steps, LastPath);
            }
        }
        foreach (var t in sums.Values) t.Dispose();
        gradSum?.Dispose();
        return lastEval;
    }

    IReadOnlyList<Metric> RunEvaluation(long step, Ema? ema)
    {
        using var swap = ema?.SwapIn();
        module.eval();
        try
        {
            using var _ = torch.no_grad();
            return Evaluate!(step);
        }
        finally { module.train(); }
    }

    void Save(long step, FlatAdamW opt, Ema? ema, string kept)
    {
        // checked before either file is replaced, so that a diverged run leaves the last good pair
        using (torch.NewDisposeScope())
        {
            NonFiniteWatch.CheckWeights(module.state_dict(), step, kept);
            if (ema is not null) NonFiniteWatch.CheckWeights(ema.StateDict(), step, kept);
        }
        using (var state = TrainingState.Capture(step, opt, ema, settings.Seed, includeRng: false))
            Checkpoint.Save(LastPath, module, kind, config, step, state);
        using var swap = ema?.SwapIn();
        Checkpoint.Save(ModelPath, module, kind, config, step);
    }

    static void Accumulate(Dictionary<string, Tensor> sums, string name, Tensor value)
    {
        var v = value.detach().to(ScalarType.Float32);
        if (sums.TryGetValue(name, out var s)) s.add_(v);
        else sums[name] = v.clone().DetachFromDisposeScope();
    }
}
