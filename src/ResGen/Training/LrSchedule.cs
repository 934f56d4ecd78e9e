using ResGen.Config;

namespace ResGen.Training;

/// <summary>Shape of the learning-rate curve after warm-up.</summary>
public enum LrScheduleKind
{
    /// <summary>Cosine decay from the peak to <see cref="LrSchedule.MinLr"/> at <see cref="LrSchedule.TotalSteps"/>.</summary>
    Cosine,

    /// <summary>Stay at the peak after warm-up.</summary>
    Constant,
}

/// <summary>
/// Learning rate as a pure function of the step: linear warm-up from <c>PeakLr / WarmupSteps</c>
/// to <see cref="PeakLr"/>, then cosine decay to <see cref="MinLr"/> (or constant). Usable as a config section.
/// </summary>
public sealed record LrSchedule : IValidatable
{
    /// <summary>Curve after warm-up.</summary>
    public LrScheduleKind Kind { get; init; } = LrScheduleKind.Cosine;

    /// <summary>Learning rate at the end of warm-up.</summary>
    [ValueRange(0, 10, MinExclusive = true)]
    public double PeakLr { get; init; } = 3e-4;

    /// <summary>Steps of linear warm-up; 0 starts at the peak.</summary>
    [ValueRange(0, 1e12)]
    public long WarmupSteps { get; init; }

    /// <summary>Step at which the cosine reaches <see cref="MinLr"/>; later steps stay there. Ignored for constant.</summary>
    [ValueRange(0, 1e12)]
    public long TotalSteps { get; init; } = 10_000;

    /// <summary>Floor of the cosine decay.</summary>
    [ValueRange(0, 10)]
    public double MinLr { get; init; }

    /// <summary>A cosine schedule.</summary>
    public static LrSchedule Cosine(double peakLr, long warmupSteps, long totalSteps, double minLr = 0) =>
        Checked(new LrSchedule { Kind = LrScheduleKind.Cosine, PeakLr = peakLr, WarmupSteps = warmupSteps, TotalSteps = totalSteps, MinLr = minLr });

    /// <summary>Warm-up then constant.</summary>
    public static LrSchedule Constant(double peakLr, long warmupSteps = 0) =>
        Checked(new LrSchedule { Kind = LrScheduleKind.Constant, PeakLr = peakLr, WarmupSteps = warmupSteps, TotalSteps = Math.Max(warmupSteps, 1) });

    /// <summary>The learning rate for the 0-based <paramref name="step"/> about to be taken.</summary>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return PeakLr * (step + 1) / WarmupSteps;
        }

        if (Kind == LrScheduleKind.Constant)
        {
            return PeakLr;
        }

        var decaySteps = TotalSteps - WarmupSteps;
        if (decaySteps <= 0 || step >= TotalSteps)
        {
            return decaySteps <= 0 ? PeakLr : MinLr;
        }

        var progress = (double)(step - WarmupSteps) / decaySteps;
        return MinLr + (PeakLr - MinLr) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <inheritdoc/>
    public void Validate()
    {
        if (!(PeakLr > 0) || double.IsInfinity(PeakLr))
        {
            throw new UserErrorException($"The learning-rate schedule needs peak_lr > 0, got {PeakLr}.");
        }

        if (!(MinLr >= 0) || MinLr > PeakLr)
        {
            throw new UserErrorException($"The learning-rate schedule needs 0 <= min_lr <= peak_lr, got min_lr {MinLr} and peak_lr {PeakLr}.");
        }

        if (WarmupSteps < 0)
        {
            throw new UserErrorException($"The learning-rate schedule needs warmup_steps >= 0, got {WarmupSteps}.");
        }

        if (Kind == LrScheduleKind.Cosine && TotalSteps <= WarmupSteps)
        {
            throw new UserErrorException(
                $"The cosine learning-rate schedule needs total_steps ({TotalSteps}) greater than warmup_steps ({WarmupSteps}).");
        }
    }

    private static LrSchedule Checked(LrSchedule schedule)
    {
        schedule.Validate();
        return schedule;
    }
}
