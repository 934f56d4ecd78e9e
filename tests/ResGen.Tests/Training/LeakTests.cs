using System.Diagnostics;
using ResGen.Conditioning;
using ResGen.Data;
using ResGen.Generation;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

/// <summary>
/// Long runs do not accumulate: the live tensors of this thread and the process's resident memory are
/// the same after 1,000 training steps (with logging, evaluation and checkpoints) or 1,000 sampling
/// calls as after the first hundred.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LeakTests
{
    const int Side = 3, D = 4, K = 16, Classes = 3;
    static readonly TokenLayout Layout = new() { GridHeight = Side, GridWidth = Side, Depth = D, CodebookSize = K, CodeDim = 4 };
    const long RssSlack = 48L << 20;

    static ResidualVectorQuantizer Quantizer() => TestQuantizers.Fixed(D, K, 4);

    static IGenerator Tiny(IReadOnlyList<string> sets)
    {
        torch.manual_seed(0);
        var cfg = GeneratorKinds.ResGen.LoadConfig(null, ["model.width=16", "model.layers=1", "model.heads=2", "model.classes=3", .. sets]).WithTokens(Layout, "");
        return GeneratorKinds.ResGen.Build(cfg, Quantizer());
    }

    /// <summary>Live tensors of this thread and resident bytes, after collecting garbage.</summary>
    static (long Tensors, long Rss) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return (DisposeScopeManager.Statistics.ThreadTotalLiveCount, self.WorkingSet64);
    }

    sealed class OnStep(Action<ResGen.Training.TrainProgress> action) : IProgress<ResGen.Training.TrainProgress>
    {
        public void Report(ResGen.Training.TrainProgress value) => action(value);
    }

    [Fact]
    public void ThousandTrainingStepsKeepTensorsAndMemoryFlat()
    {
        using var dir = new TempDirectory();
        var sets = new[] { "train.steps=1000", "train.batch_size=8", "train.log_every=50", "train.eval_every=250", "train.checkpoint_every=250", "train.warmup_steps=10" };
        var cfg = GeneratorKinds.ResGen.LoadConfig(null, ["model.width=16", "model.layers=1", "model.heads=2", "model.classes=3", .. sets]).WithTokens(Layout, "");
        var model = Tiny(sets);
        var rng = new Random(3);
        var cache = new TokenCache([.. Enumerable.Range(0, 64 * Side * Side * D).Select(_ => (ushort)rng.Next(K))],
                                   [.. Enumerable.Range(0, 64).Select(i => i % Classes)], Side, Side, D, K, Classes, "{}");
        var at = new Dictionary<long, (long Tensors, long Rss)>();
        GeneratorKinds.ResGen.Train(cfg, model, cache, cache, dir.Path, resume: false, torch.CPU,
            progress: new OnStep(p => { if (p.Step is 300 or 1000) at[p.Step] = Measure(); }));

        Assert.Equal(at[300].Tensors, at[1000].Tensors);
        Assert.True(at[1000].Rss - at[300].Rss < RssSlack, $"resident memory grew by {(at[1000].Rss - at[300].Rss) >> 20} MiB over 700 steps");
    }

    [Fact]
    public void ThousandSamplingCallsKeepTensorsAndMemoryFlat()
    {
        var model = Tiny([]);
        model.Module.eval();
        var request = new SampleRequest(new ClassCondition(torch.tensor(new long[] { 0, 2 })), new SamplerSettings { Steps = 2 });
        (long Tensors, long Rss) first = default;
        using var g = new Generator(5);
        for (int i = 1; i <= 1000; i++)
        {
            using (var scope = torch.NewDisposeScope())
            using (torch.no_grad())
                model.Sample(request, g);
            if (i == 100) first = Measure();
        }
        var last = Measure();

        Assert.Equal(first.Tensors, last.Tensors);
        Assert.True(last.Rss - first.Rss < RssSlack, $"resident memory grew by {(last.Rss - first.Rss) >> 20} MiB over 900 calls");
    }
}
