using System.Diagnostics;
using ResGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

/// <summary>
/// Side-by-side timing of FlatAdamW against torch.optim.AdamW on a small transformer-shaped MLP.
/// Reports only; never asserts on time. Set RESGEN_BENCH_ROUNDS for a longer, steadier measurement
/// and run with <c>--logger "console;verbosity=detailed"</c> to see the numbers.
/// </summary>
[Collection("torch")]
[Trait("Category", "Benchmark")]
public sealed class FlatAdamWBenchmark(ITestOutputHelper output)
{
    [Theory]
    [InlineData(128, 6)]
    [InlineData(32, 12)]
    public void CompareStepTimeWithStockAdamW(int width, int depth)
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("RESGEN_BENCH_ROUNDS"), out var r) ? r : 3;
        const int StepsPerRound = 5;
        torch.manual_seed(31);
        using var scope = torch.NewDisposeScope();
        var (flatModel, stockModel) = TinyMlp.Twins(vocab: 256, width: width, depth: depth);
        using var flat = new FlatAdamW(flatModel, new FlatAdamWOptions { LearningRate = 1e-3, WeightDecay = 0.1 });
        var stock = torch.optim.AdamW(
            [
                new AdamW.ParamGroup(stockModel.parameters().Where(p => p.dim() >= 2), lr: 1e-3, weight_decay: 0.1),
                new AdamW.ParamGroup(stockModel.parameters().Where(p => p.dim() < 2), lr: 1e-3, weight_decay: 0),
            ],
            lr: 1e-3);
        var (tokens, targets) = TinyMlp.Batch(batch: 8, length: 32, vocab: 256);

        // Fill the gradients once; the optimizer-only timing reuses them.
        flatModel.Loss(tokens, targets).backward();
        stockModel.Loss(tokens, targets).backward();

        var flatOpt = new List<double>();
        var stockOpt = new List<double>();
        var flatFull = new List<double>();
        var stockFull = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            var f = Time(StepsPerRound, () => flat.Step());
            var s = Time(StepsPerRound, () => stock.step());
            var ff = Time(StepsPerRound, () =>
            {
                flat.ZeroGrad();
                flatModel.Loss(tokens, targets).backward();
                flat.ClipGradNorm(1.0);
                flat.Step();
            });
            var sf = Time(StepsPerRound, () =>
            {
                stock.zero_grad();
                stockModel.Loss(tokens, targets).backward();
                torch.nn.utils.clip_grad_norm_(stockModel.parameters(), 1.0);
                stock.step();
            });
            if (round > 0) // the first round warms up and is not counted
            {
                flatOpt.Add(f);
                stockOpt.Add(s);
                flatFull.Add(ff);
                stockFull.Add(sf);
            }
        }

        // Medians, and the median of per-round ratios, resist bursts of load from other processes.
        output.WriteLine($"{flat.Parameters.Slots.Count} parameter tensors, {flat.Parameters.Count} elements, {torch.get_num_threads()} threads, {rounds}x{StepsPerRound} steps each");
        output.WriteLine($"optimizer step only: flat {Median(flatOpt):F3} ms, stock {Median(stockOpt):F3} ms, stock/flat {Median(Ratios(stockOpt, flatOpt)):F2}x");
        output.WriteLine($"full train step:     flat {Median(flatFull):F3} ms, stock {Median(stockFull):F3} ms, stock/flat {Median(Ratios(stockFull, flatFull)):F2}x");
        Assert.All(flatOpt.Concat(stockOpt), t => Assert.True(t > 0));
    }

    private static IEnumerable<double> Ratios(List<double> a, List<double> b) => a.Zip(b, (x, y) => x / y);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Time(int steps, Action step)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            step();
        }

        return watch.Elapsed.TotalMilliseconds / steps;
    }
}
