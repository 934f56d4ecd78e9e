using System.Diagnostics;
using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Nn;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>What `resgen bench perf` times, the same on both sides (this program and the PyTorch twin under bench/twin).</summary>
/// <param name="Batches">Sampling batch sizes (16 steps with guidance by default).</param>
/// <param name="Steps">Sampling steps T.</param>
/// <param name="Guidance">Guidance scale (two network passes per step when above 0).</param>
/// <param name="Repeats">Timed runs per measure after one warm-up (the median is kept).</param>
/// <param name="TrainBatch">Token grids per training step and per timed network forward.</param>
/// <param name="TrainSteps">Timed training steps after one warm-up step.</param>
/// <param name="Bf16">Train in bfloat16 (the network's copy in bf16, float32 master weights; the twin: autocast).</param>
public sealed record PerfSettings(IReadOnlyList<int> Batches, int Steps = 16, float Guidance = 0.75f, int Repeats = 3, int TrainBatch = 128, int TrainSteps = 5, bool Bf16 = false)
{
    /// <summary>The largest batch timed: far beyond any memory, so a larger one is a typing mistake.</summary>
    public const int MaxBatch = 65536;

    public void Validate()
    {
        if (Batches.Count == 0 || Batches.Any(b => b is < 1 or > MaxBatch)) throw new UserErrorException($"the sampling batches must lie in 1..{MaxBatch}, got {string.Join(", ", Batches)}.");
        if (TrainBatch > MaxBatch) throw new UserErrorException($"the training batch must be at most {MaxBatch}, got {TrainBatch}.");
        if (Steps > 100_000 || Repeats > 1000 || TrainSteps > 10_000)
            throw new UserErrorException($"steps, repeats and timed training steps must be at most 100000, 1000 and 10000, got {Steps}, {Repeats} and {TrainSteps}.");
        if (Guidance > 100) throw new UserErrorException($"the guidance scale must be at most 100, got {Guidance}.");
        if (Steps < 1) throw new UserErrorException($"steps must be at least 1, got {Steps}.");
        if (!(Guidance >= 0) || float.IsInfinity(Guidance)) throw new UserErrorException($"the guidance scale must be finite and >= 0, got {Guidance}.");
        if (Repeats < 1) throw new UserErrorException($"repeats must be at least 1, got {Repeats}.");
        if (TrainBatch < 1) throw new UserErrorException($"the training batch must be at least 1, got {TrainBatch}.");
        if (TrainSteps < 1) throw new UserErrorException($"timed training steps must be at least 1, got {TrainSteps}.");
    }
}

/// <summary>One side's warm timings in milliseconds (medians): sampling per batch size, one network forward at the training batch, one re-quantization of 64 token grids at every depth, one training step.</summary>
public sealed record PerfTimes(IReadOnlyDictionary<int, double> SampleMs, double ForwardMs, double RequantMs, double TrainStepMs, long PeakResidentBytes);

/// <summary>
/// The speed measurements behind `resgen bench perf` on a shipped ResGen generator: warm sampling at
/// several batch sizes, a network forward, a re-quantization and a training step (loss, backward,
/// clipping, flat AdamW), plus a dump of inputs and outputs against which the PyTorch twin proves that
/// it computes the same function. The twin does the same work with PyTorch's own optimizer (AdamW, foreach).
/// </summary>
public static class PerfBenchmark
{
    /// <summary>The shipped generator as a ResGen model, or one clear sentence when it is another kind.</summary>
    public static ResGenModel AsResGen(IGenerator generator)
        => generator as ResGenModel ?? throw new UserErrorException($"bench perf measures ResGen generators (its PyTorch twin covers that kind), got a {generator.Kind} checkpoint.");

    /// <summary>Time of one sampling run of <paramref name="batch"/> token grids (labels 0, 1, .. cycling over the classes).</summary>
    public static double SampleOnce(ResGenModel model, int batch, PerfSettings settings, Generator generator, Device device)
    {
        var labels = Enumerable.Range(0, batch).Select(i => (long)(i % model.Network.Model.Classes)).ToArray();
        var request = new SampleRequest(ClassCondition.Of(labels, device), new SamplerSettings { Steps = settings.Steps, Guidance = settings.Guidance });
        var sw = Stopwatch.StartNew();
        using (var scope = torch.NewDisposeScope())
        {
            var r = model.Sample(request, generator);
            Sync(device);
        }
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>Warm timings of every measure (one warm-up run each, then the median of the repeats).</summary>
    public static PerfTimes Measure(ResGenModel model, PerfSettings settings, Device device, long seed = 0)
    {
        settings.Validate();
        using var g = new Generator((ulong)seed, device);
        var sample = new Dictionary<int, double>();
        foreach (int b in settings.Batches)
        {
            SampleOnce(model, b, settings, g, device);
            sample[b] = GeneratorEvaluation.Median(Enumerable.Range(0, settings.Repeats).Select(_ => SampleOnce(model, b, settings, g, device)));
        }
        var layout = model.Layout;
        var net = model.Network;
        net.eval();
        double forward, requant;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            int n = settings.TrainBatch;
            var x = RandomDraw.Randn([n, layout.Positions, layout.CodeDim], g, device);
            var k = RandomDraw.RandInt(0, layout.Depth + 1, [n, layout.Positions], g, device);
            var cond = ClassCondition.Of(Enumerable.Range(0, n).Select(i => (long)(i % net.Model.Classes)), device);
            forward = Timed(() => net.forward(x, k, null, cond), Math.Max(3, settings.Repeats), device);
            using var rq = new Requantizer(model.Quantizer);
            var idx = RandomDraw.RandInt(0, layout.CodebookSize, [64, layout.Positions, layout.Depth], g, device);
            var z = RandomDraw.Randn([64, layout.Positions, layout.CodeDim], g, device);
            var start = torch.zeros(64, layout.Positions, ScalarType.Int64, device: device);
            var variance = torch.full(64, layout.Positions, 0.1f, device: device);
            requant = Timed(() => rq.RequantizeScored(idx, start, z, variance), Math.Max(3, settings.Repeats), device);
        }
        double train = TrainStep(model, settings, g, device);
        long peak = MemoryProbe.Supported ? MemoryProbe.Peak() : 0;
        return new PerfTimes(sample, forward, requant, train, peak);
    }

    /// <summary>Median time of a training step of a copy of the network (the loaded weights stay untouched).</summary>
    static double TrainStep(ResGenModel model, PerfSettings settings, Generator g, Device device)
    {
        var layout = model.Layout;
        using var net = new ResGenNetwork(model.Network.Model, layout);
        net.load_state_dict(model.Network.state_dict());
        net.to(device);
        if (settings.Bf16) net.to(ScalarType.BFloat16);   // bf16 compute; FlatAdamW keeps float32 master weights
        net.train();
        var copy = new ResGenModel(net, model.Quantizer);
        using var opt = new FlatAdamW(net, new FlatAdamWOptions { LearningRate = 1e-4, WeightDecay = 0.01 });
        using var scope = torch.NewDisposeScope();
        int n = settings.TrainBatch;
        var idx = RandomDraw.RandInt(0, layout.CodebookSize, [n, layout.Positions, layout.Depth], g, device);
        var labels = torch.tensor(Enumerable.Range(0, n).Select(i => (long)(i % net.Model.Classes)).ToArray(), device: device);
        void Step()
        {
            using var s = torch.NewDisposeScope();
            opt.ZeroGrad();
            copy.Loss(new TokenBatch(idx), new ClassCondition(labels), g).Loss.backward();
            opt.ClipGradNorm(1.0);
            opt.Step();
        }
        return Timed(Step, settings.TrainSteps, device);
    }

    /// <summary>
    /// Writes what the twin must reproduce: network inputs (visible sums, masked counts, labels, rows) and
    /// outputs, and a re-quantization's inputs and outputs, for a few token grids. Float32, on the CPU.
    /// </summary>
    public static void WriteCheck(ResGenModel model, string path, long seed = 0)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var layout = model.Layout;
        var net = model.Network;
        net.eval();
        var dev = model.Quantizer.Codebooks.device;
        const int b = 4;
        var x = torch.randn([b, layout.Positions, layout.CodeDim], generator: g).to(dev);
        var k = torch.randint(layout.Depth + 1, [b, layout.Positions], generator: g).to(dev);
        var labels = torch.tensor(new long[] { 0, 1, -1, 2 % net.Model.Classes }, device: dev);
        var rows = torch.randint(layout.Positions, [b, Math.Min(5, layout.Positions)], generator: g).to(dev);
        Generation.Mixture.MixtureParams p;
        using (torch.no_grad()) p = net.forward(x, k, null, new ClassCondition(labels), rows: rows);
        using var rq = new Requantizer(model.Quantizer);
        var idx = torch.randint(layout.CodebookSize, [b, layout.Positions, layout.Depth], generator: g).to(dev);
        var start = torch.randint(layout.Depth + 1, [b, layout.Positions], generator: g).to(dev);
        var target = (torch.randn([b, layout.Positions, layout.CodeDim], generator: g) * 0.5f).to(dev);
        var variance = (torch.rand([b, layout.Positions], generator: g) * 0.2f + 0.01f).to(dev);
        var (cand, logp) = rq.RequantizeScored(idx, start, target, variance);
        var tensors = new Dictionary<string, Tensor>
        {
            ["visible_sum"] = x,
            ["masked"] = k,
            ["labels"] = labels,
            ["rows"] = rows,
            ["logits"] = p.Logits,
            ["means"] = p.Means,
            ["log_scales"] = p.LogScales,
            ["rq_indices"] = idx,
            ["rq_start"] = start,
            ["rq_target"] = target,
            ["rq_variance"] = variance,
            ["rq_out_indices"] = cand,
            ["rq_out_logp"] = logp,
        }.ToDictionary(e => e.Key, e => e.Value.cpu().contiguous());
        SafetensorsFile.WriteAtomic(path, tensors);
    }

    static double Timed(Action work, int repeats, Device device)
    {
        work();
        Sync(device);
        return GeneratorEvaluation.Median(Enumerable.Range(0, repeats).Select(_ =>
        {
            var sw = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope()) work();
            Sync(device);
            return sw.Elapsed.TotalMilliseconds;
        }));
    }

    static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }

}
