namespace ResGen.Training;

/// <summary>A training run stopped on request after saving a checkpoint it can resume from.</summary>
public sealed class TrainingStoppedException(long step, long totalSteps, string checkpoint)
    : OperationCanceledException($"training paused at step {step} of {totalSteps}; checkpoint {checkpoint}.safetensors is saved: run the same command with --resume to continue.")
{
    public long Step { get; } = step;
    public long TotalSteps { get; } = totalSteps;
    public string Checkpoint { get; } = checkpoint;
}
