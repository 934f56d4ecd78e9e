using System.Diagnostics;
using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Nn;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>The cost of one training step of a generator at a config, measured on random tokens.</summary>
/// <remarks><see cref="FlopsPerStep"/>: model FLOPs of one step (<see cref="TrainingFlops"/>), for every kind.</remarks>
public sealed record StepCost(string Kind, long Parameters, int Batch, TokenLayout Tokens, double MsPerStep, IReadOnlyList<double> StepMs, double FlopsPerStep);

/// <summary>
/// Times full training steps (loss, backward, gradient clipping, AdamW over one flat buffer) of an
/// untrained generator on random tokens: what a recipe costs per step on the device at hand, before
/// any data exists (the time does not depend on the weights or the tokens' values).
/// </summary>
public static class StepBenchmark
{
    public static StepCost Run(GeneratorKind kind, IGeneratorConfig config, TokenLayout tokens, int batch, int steps, Device device, IProgress<double>? progress = null,
        ScalarType precision = ScalarType.Float32)
    {
        if (batch < 1) throw new UserErrorException($"the batch must hold at least 1 sequence, got {batch}.");
        if (steps < 1) throw new UserErrorException($"at least 1 timed step is needed, got {steps}.");
        torch.manual_seed(0);
        using var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = tokens.Depth, CodebookSize = tokens.CodebookSize, CodeDim = tokens.CodeDim });
        rvq.eval();
        var model = kind.Build(config.WithTokens(tokens, config.TokenizerHash), rvq);
        model.Module.to(device);
        rvq.to(device);
        if (precision != ScalarType.Float32) model.Module.to(precision);   // bf16 compute, fp32 master weights in the optimizer
        model.Module.train();
        long parameters = Nn.ModuleSize.Parameters(model.Module);
        using var opt = new FlatAdamW(model.Module, new FlatAdamWOptions { LearningRate = 1e-4, WeightDecay = 0.01 });
        using var g = new Generator(1, device);
        var times = new List<double>();
        for (int s = 0; s <= steps; s++)                                   // step 0 warms up and is not counted
        {
            var sw = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                var indices = RandomDraw.RandInt(0, tokens.CodebookSize, [batch, tokens.Positions, tokens.Depth], g, device);
                var labels = RandomDraw.RandInt(0, config.Classes, [batch], g, device);
                opt.ZeroGrad();
                var loss = model.Loss(new TokenBatch(indices), new ClassCondition(labels), g);
                loss.Loss.backward();
                opt.ClipGradNorm(1.0);
                opt.Step();
                if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);   // CPU work is done when the call returns
            }
            if (s > 0) times.Add(sw.Elapsed.TotalMilliseconds);
            progress?.Report(s + 1);
        }
        double flops = TrainingFlops.PerStep(config.ModelConfig, tokens, batch);
        model.Module.Dispose();
        var sorted = times.Order().ToList();
        return new StepCost(kind.Name, parameters, batch, tokens, sorted[sorted.Count / 2], times, flops);
    }
}
