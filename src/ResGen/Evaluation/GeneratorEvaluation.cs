using System.Diagnostics;
using ResGen.Data;
using ResGen.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>Quality and cost of one sampling setting.</summary>
/// <param name="Quality">Class accuracy and Fréchet distance of the samples.</param>
/// <param name="Floor">The real-data floor at the same N.</param>
/// <param name="Calls">Sequential network calls per sample.</param>
/// <param name="Passes">Network passes per sample.</param>
/// <param name="SecondsPerSample">Wall-clock time per sample while sampling in batches (decoding included).</param>
/// <param name="Images">The first min(n, 10) samples of every class (for a grid), CPU.</param>
public sealed record GeneratorMeasurement(SampleQualityReport Quality, double Floor, int Calls, int Passes, double SecondsPerSample, Tensor Images);

/// <summary>
/// How good and how costly a generator's samples are: quality (class accuracy, Fréchet distance in
/// the evaluation classifier's feature space, the real-data floor at the same N), wall-clock time per
/// sample at a batch size, and the largest batch in a memory budget. The same code scores every kind.
/// </summary>
public static class GeneratorEvaluation
{
    /// <summary>Samples n per class (class by class), scores them and times the sampling.</summary>
    public static GeneratorMeasurement Measure(ImageSampling sampling, FashionClassifier classifier, FeatureStats reference, ImageDataset train,
        int perClass, long seed, SamplerSettings settings, int batchSize, IProgress<double>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        int classes = sampling.Classes;
        var labels = Enumerable.Range(0, classes).SelectMany(c => Enumerable.Repeat((long)c, perClass)).ToArray();
        var sw = Stopwatch.StartNew();
        var (images, calls, passes) = sampling.GenerateAll(labels, settings, seed, batchSize, progress);
        double perSample = sw.Elapsed.TotalSeconds / labels.Length;
        var quality = SampleQuality.Evaluate(classifier, images, torch.tensor(labels), reference, train.ClassNames, device: sampling.Device);
        double floor = SampleQuality.RealDataFloor(classifier, train, labels.Length, reference, seed, sampling.Device);
        int cols = Math.Min(perClass, 10);
        var pick = Enumerable.Range(0, classes).SelectMany(c => Enumerable.Range(c * perClass, cols)).Select(i => (long)i).ToArray();
        var grid = images.index_select(0, torch.tensor(pick, device: images.device));
        images.Dispose();
        return new GeneratorMeasurement(quality, floor, calls, passes, perSample, grid);
    }

    /// <summary>
    /// Median wall-clock seconds per sample when sampling <paramref name="batch"/> samples at once,
    /// decoding included, over <paramref name="repeats"/> timed runs after one warm-up run.
    /// </summary>
    public static double SecondsPerSample(ImageSampling sampling, SamplerSettings settings, int batch, int repeats)
        => Timed(batch, repeats, sampling.Device, sampling.Classes, (labels, gen) =>
            sampling.Tokenizer.Decode(sampling.SampleTokens(labels, settings, gen).Indices).cpu());

    /// <summary>
    /// Median wall-clock seconds per sample of token sampling alone (no decoding) at <paramref name="batch"/>,
    /// over <paramref name="repeats"/> timed runs after one warm-up run; <paramref name="seen"/> receives each result.
    /// </summary>
    public static double SecondsPerSampleTokens(IGenerator generator, SamplerSettings settings, int classes, int batch, int repeats, Device device,
        Action<SampleResult>? seen = null)
        => Timed(batch, repeats, device, classes, (labels, gen) =>
        {
            var res = generator.Sample(new SampleRequest(Conditioning.ClassCondition.Of(labels, device), settings), gen);
            res.Indices.cpu();
            seen?.Invoke(res);
        });

    /// <summary>Median seconds per sample of <paramref name="run"/> on <paramref name="batch"/> labels (cycling over the classes); the first run warms up.</summary>
    static double Timed(int batch, int repeats, Device device, int classes, Action<long[], Generator> run)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var times = new List<double>();
        var labels = Enumerable.Range(0, batch).Select(i => (long)(i % classes)).ToArray();
        for (int r = 0; r <= repeats; r++)
        {
            using var scope = torch.NewDisposeScope();
            using var gen = new Generator((ulong)r, device);
            var sw = Stopwatch.StartNew();
            run(labels, gen);
            if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
            if (r > 0 || repeats == 0) times.Add(sw.Elapsed.TotalSeconds / batch);
        }
        return Median(times);
    }

    /// <summary>
    /// The largest sampling batch whose peak resident memory fits <paramref name="budgetBytes"/>
    /// (CPU only), estimated from short runs at the probe sizes; null when not measurable here.
    /// </summary>
    public static (long? Largest, IReadOnlyList<(int Batch, long Bytes)> Measured) LargestBatch(ImageSampling sampling, SamplerSettings settings,
        long budgetBytes, IReadOnlyList<int>? probes = null)
    {
        if (!MemoryProbe.Supported || sampling.Device.type != DeviceType.CPU) return (null, []);
        // a short run has the same peak per step as a long one for the step-wise samplers
        var shortRun = settings with { Steps = Math.Min(2, settings.Steps) };
        return MemoryProbe.LargestBatch(b => SecondsPerSample(sampling, shortRun, b, 0), budgetBytes, probes ?? [32, 128, 256]);
    }

    /// <summary>The middle value (upper middle for an even count) of a non-empty set.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("no values to take the median of", nameof(values));
        return sorted[sorted.Count / 2];
    }
}
