using ResGen.Data;
using ResGen.Nn;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>
/// Trains the evaluation classifier: cross-entropy (optionally label-smoothed) on randomly
/// shifted training images. Logs the loss and the batch accuracy, and at each evaluation the
/// test accuracy.
/// </summary>
public static class ClassifierTraining
{
    public const string Kind = "classifier";

    public static IReadOnlyList<Metric> Run(ClassifierConfig config, FashionClassifier classifier, ITrainingImages train, ImageDataset test,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        int? evalImages = null, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        config.Validate();
        var m = config.Model;
        foreach (var (name, data) in new (string, ITrainingImages)[] { ("training", train), ("test", test) })
        {
            if (data.Height != m.ImageSize || data.Width != m.ImageSize || data.Channels != m.Channels)
                throw new UserErrorException(
                    $"the {name} data are {data.Channels}×{data.Height}×{data.Width} but the classifier expects {m.Channels}×{m.ImageSize}×{m.ImageSize}.");
            if (data.ClassNames.Length != m.Classes)
                throw new UserErrorException($"the {name} data have {data.ClassNames.Length} classes but the classifier has {m.Classes}.");
        }
        var sampler = new BatchSampler(train.Count, config.Train.BatchSize, config.Train.Seed);
        var aug = config.Augment;
        using var batches = config.Train.Flip ? train.Batches(sampler.Batch).Mirrored(config.Train.Seed) : train.Batches(sampler.Batch);
        var loop = new TrainingLoop<ClassifierConfig>(classifier, Kind, config, config.Train, runDirectory)
        {
            Device = device,
            Console = console,
            Progress = progress,
            Stop = stop,
            Loss = (step, g) =>
            {
                var (images, y) = batches.Get(step, device);
                var x = RandomShift(images, aug.MaxShift, g);
                var logits = classifier.forward(x);
                var loss = nn.functional.cross_entropy(logits, y, label_smoothing: aug.LabelSmoothing);
                var acc = logits.detach().argmax(1).eq(y).to(ScalarType.Float32).mean();
                return new LossBreakdown(loss, [("acc", acc)]);
            },
            Evaluate = step =>
            {
                var r = ClassifierEvaluation.Run(classifier, test, evalImages, device: device);
                return [Metric.Percent("test_acc", r.Accuracy), Metric.Percent("worst_class_acc", r.PerClass.Min(c => c.Accuracy))];
            },
        };
        return loop.Run(resume);
    }

    /// <summary>
    /// Shifts every image of [B, C, H, W] by its own random whole number of pixels in
    /// [−<paramref name="maxShift"/>, <paramref name="maxShift"/>] along each axis, filling the
    /// uncovered border with <paramref name="background"/>.
    /// </summary>
    public static Tensor RandomShift(Tensor images, int maxShift, Generator? generator = null, double background = -1)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegative(maxShift);
        if (maxShift == 0) return images;
        if (images.dim() != 4) throw new ArgumentException($"expected images [B, C, H, W], got [{string.Join(", ", images.shape)}]", nameof(images));
        using var scope = torch.NewDisposeScope();
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        var padded = nn.functional.pad(images, [maxShift, maxShift, maxShift, maxShift], PaddingModes.Constant, background);
        var dy = RandomDraw.RandInt(0, 2 * maxShift + 1, [b, 1], generator, images.device);
        var dx = RandomDraw.RandInt(0, 2 * maxShift + 1, [b, 1], generator, images.device);
        var rows = (torch.arange(h, device: images.device).unsqueeze(0) + dy).view(b, 1, h, 1).expand(b, c, h, w + 2 * maxShift);
        var cols = (torch.arange(w, device: images.device).unsqueeze(0) + dx).view(b, 1, 1, w).expand(b, c, h, w);
        return padded.gather(2, rows).gather(3, cols).MoveToOuterDisposeScope();
    }
}
