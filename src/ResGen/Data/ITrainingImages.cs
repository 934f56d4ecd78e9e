using static TorchSharp.torch;

namespace ResGen.Data;

/// <summary>
/// Images a training loop draws batches from: held in memory (<see cref="ImageDataset"/>) or decoded
/// from disk ahead of the steps that need them (<see cref="ImageFolderDataset"/>).
/// </summary>
public interface ITrainingImages
{
    int Count { get; }
    int Height { get; }
    int Width { get; }
    int Channels { get; }
    string[] ClassNames { get; }

    /// <summary>The batches of a run; <paramref name="batchOfStep"/> gives the image indices of each step.</summary>
    IStepBatches Batches(Func<long, long[]> batchOfStep);
}

/// <summary>The batches of one training run, asked for step by step (in order, except after a resume).</summary>
public interface IStepBatches : IDisposable
{
    /// <summary>Images [B, C, H, W] in [-1, 1] and labels [B] of <paramref name="step"/>.</summary>
    (Tensor Images, Tensor Labels) Get(long step, Device? device = null);
}
