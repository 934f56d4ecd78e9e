using ResGen.IO;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

/// <summary>A run folder has one writer at a time: a second is one sentence naming the first; a dead holder's lock is taken over.</summary>
[Collection(TorchCollection.Name)]
public sealed class RunFolderLockTests
{
    sealed record TinyConfig(int Width = 8);

    static TrainingLoop<TinyConfig> Loop(TinyMlp model, string dir) =>
        new(model, "tiny", new TinyConfig(), new TrainSettings { Steps = 3, BatchSize = 2, WarmupSteps = 0, LogEvery = 1000, EvalEvery = 0, CheckpointEvery = 0 }, dir)
        {
            Loss = (step, g) =>
            {
                var x = torch.randint(0, 32, [2, 4], generator: g);
                return new LossBreakdown(nn.functional.cross_entropy(model.forward(x).reshape(-1, 32), x.reshape(-1)), []);
            },
        };

    [Fact]
    public void ASecondWriterIsRefusedNamingTheFirst()
    {
        using var dir = new TempDirectory();
        using var first = RunFolderLock.Take(dir.Path);
        using var model = new TinyMlp();
        var e = Assert.Throws<UserErrorException>(() => Loop(model, dir.Path).Run(resume: false));
        Assert.Contains($"is being written by process {Environment.ProcessId} (", e.Message);
        Assert.False(File.Exists(dir.File("metrics.jsonl")), "the refused run wrote metrics");
        Assert.False(File.Exists(dir.File("model.json")), "the refused run wrote a checkpoint");
    }

    [Fact]
    public void ALockLeftByADeadProcessIsTakenOver()
    {
        using var dir = new TempDirectory();
        // what a killed run leaves: the lock file and its owner note, but no process holding the lock
        File.WriteAllText(dir.File(RunFolderLock.LockName), "");
        File.WriteAllText(dir.File(RunFolderLock.OwnerName), "999999 resgen 2026-01-01T00:00:00Z\n");
        using var model = new TinyMlp();
        var loop = Loop(model, dir.Path);
        loop.Run(resume: false);
        Assert.Equal(3, Checkpoint.ReadInfo(dir.File("model")).Step);
        Assert.False(File.Exists(dir.File(RunFolderLock.OwnerName)), "the owner note outlived the run");
    }

    [Fact]
    public void TheLockIsReleasedWhenTheRunEnds()
    {
        using var dir = new TempDirectory();
        using var model = new TinyMlp();
        Loop(model, dir.Path).Run(resume: false);
        using var again = RunFolderLock.Take(dir.Path);   // would throw if the run still held it
    }
}
