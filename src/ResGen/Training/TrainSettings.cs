using ResGen.Config;

namespace ResGen.Training;

/// <summary>Optimisation settings shared by every training command (JSON keys are snake_case).</summary>
public sealed record TrainSettings : IValidatable
{
    /// <summary>Optimizer steps in the whole run.</summary>
    [ValueRange(1, 1e12)]
    public long Steps { get; init; } = 2000;
    /// <summary>Examples per step.</summary>
    [ValueRange(1, 1 << 20)]
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate (AdamW).</summary>
    [ValueRange(0, 10, MinExclusive = true)]
    public double Lr { get; init; } = 1e-3;
    /// <summary>Steps of linear warm-up before the cosine decay.</summary>
    [ValueRange(0, 1e12)]
    public long WarmupSteps { get; init; } = 100;
    /// <summary>Learning rate at the end of the cosine decay.</summary>
    [ValueRange(0, 10)]
    public double MinLr { get; init; } = 1e-5;
    /// <summary>Decoupled weight decay on weight matrices.</summary>
    [ValueRange(0, 10)]
    public double WeightDecay { get; init; } = 0.0;
    /// <summary>Clip the global gradient norm to this value (0 = no clipping).</summary>
    [ValueRange(0, 1e6)]
    public double GradClip { get; init; } = 1.0;
    /// <summary>Decay of the exponential moving average of the weights (0 = no EMA).</summary>
    [ValueRange(0, 1, MaxExclusive = true)]
    public double EmaDecay { get; init; } = 0.0;
    /// <summary>Steps between log lines.</summary>
    [ValueRange(1, int.MaxValue)]
    public int LogEvery { get; init; } = 50;
    /// <summary>Steps between evaluations (0 = only at the end).</summary>
    [ValueRange(0, int.MaxValue)]
    public int EvalEvery { get; init; } = 500;
    /// <summary>Steps between checkpoints (0 = only at the end).</summary>
    [ValueRange(0, int.MaxValue)]
    public int CheckpointEvery { get; init; } = 500;
    /// <summary>Seed of every random choice in the run (batches, masks, dropout).</summary>
    [ValueRange(long.MinValue, long.MaxValue)]
    public long Seed { get; init; } = 0;
    /// <summary>
    /// Image training (tokenizer, classifier): mirror each picture left-right with probability 1/2,
    /// a pure function of (seed, step) so a resumed run draws the same. Left out of the saved JSON
    /// when off, so configs and hashes written before it existed are unchanged.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool Flip { get; init; }

    public void Validate()
    {
        if (Steps < 1) throw new UserErrorException($"train steps must be at least 1, got {Steps}.");
        if (BatchSize < 1) throw new UserErrorException($"train batch_size must be at least 1, got {BatchSize}.");
        if (!(Lr > 0)) throw new UserErrorException($"train lr must be positive, got {Lr}.");
        if (WarmupSteps < 0) throw new UserErrorException($"train warmup_steps must be >= 0, got {WarmupSteps}.");
        if (MinLr < 0 || MinLr > Lr) throw new UserErrorException($"train min_lr must be in [0, lr], got {MinLr}.");
        if (WeightDecay < 0) throw new UserErrorException($"train weight_decay must be >= 0, got {WeightDecay}.");
        if (GradClip < 0) throw new UserErrorException($"train grad_clip must be >= 0, got {GradClip}.");
        if (EmaDecay is < 0 or >= 1) throw new UserErrorException($"train ema_decay must be in [0, 1), got {EmaDecay}.");
        if (LogEvery < 1) throw new UserErrorException($"train log_every must be at least 1, got {LogEvery}.");
        if (EvalEvery < 0) throw new UserErrorException($"train eval_every must be >= 0, got {EvalEvery}.");
        if (CheckpointEvery < 0) throw new UserErrorException($"train checkpoint_every must be >= 0, got {CheckpointEvery}.");
    }

    /// <summary>Refuses <see cref="Flip"/> where training does not draw pictures (<paramref name="what"/> names the trainer).</summary>
    public void RefuseFlip(string what)
    {
        if (Flip) throw new UserErrorException($"train.flip mirrors pictures and applies to the image tokenizer and the classifier only, not to {what}; to mirror a generator's data, encode with `resgen tokenizer encode --flip`.");
    }
}
