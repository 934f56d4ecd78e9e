namespace ResGen.Training;

/// <summary>
/// The files of one checkpoint named <c>NAME</c>: <c>NAME.safetensors</c> (weights), <c>NAME.json</c>
/// (config and metadata) and optionally <c>NAME.train.safetensors</c> (state for resuming).
/// </summary>
/// <param name="Weights">The weights file.</param>
/// <param name="Sidecar">The JSON sidecar with config and metadata.</param>
/// <param name="Training">The training-state file.</param>
public sealed record CheckpointPaths(string Weights, string Sidecar, string Training)
{
    private const string WeightsSuffix = ".safetensors";
    private const string TrainingSuffix = ".train.safetensors";
    private const string SidecarSuffix = ".json";

    /// <summary>
    /// The paths for a checkpoint given as <c>NAME</c>, <c>NAME.safetensors</c>, <c>NAME.json</c> or
    /// <c>NAME.train.safetensors</c>.
    /// </summary>
    public static CheckpointPaths For(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var stem = path;
        foreach (var suffix in new[] { TrainingSuffix, WeightsSuffix, SidecarSuffix })
        {
            if (stem.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                stem = stem[..^suffix.Length];
                break;
            }
        }

        if (stem.Length == 0 || stem.EndsWith('/') || stem.EndsWith(Path.DirectorySeparatorChar))
        {
            throw new ArgumentException($"Checkpoint path '{path}' has no file name.", nameof(path));
        }

        return new CheckpointPaths(stem + WeightsSuffix, stem + SidecarSuffix, stem + TrainingSuffix);
    }
}
