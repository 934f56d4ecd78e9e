using ResGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>How often the images meant to show one class were classified as that class.</summary>
/// <param name="Label">The class index.</param>
/// <param name="Name">The class name.</param>
/// <param name="Count">Images of (or meant to show) this class.</param>
/// <param name="Accuracy">Fraction of them classified as this class (NaN when <paramref name="Count"/> is 0).</param>
public sealed record ClassAccuracy(int Label, string Name, long Count, double Accuracy);

/// <summary>Accuracy, per-class accuracy and the confusion matrix of a classifier on labelled images.</summary>
/// <param name="Images">Images classified.</param>
/// <param name="Accuracy">Fraction classified as their label.</param>
/// <param name="PerClass">Accuracy per label.</param>
/// <param name="Confusion">Counts indexed [label][predicted class].</param>
public sealed record ClassificationReport(long Images, double Accuracy, IReadOnlyList<ClassAccuracy> PerClass, long[][] Confusion);

/// <summary>Classifies labelled images in batches, optionally collecting their features for a Fréchet distance.</summary>
public static class ClassifierEvaluation
{
    /// <summary>Classifies the first <paramref name="limit"/> (default: all) images of a data set.</summary>
    public static ClassificationReport Run(FashionClassifier classifier, ImageDataset data, int? limit = null, int batchSize = 500,
        Device? device = null, FeatureStatsAccumulator? features = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(data);
        int n = Math.Min(limit ?? data.Count, data.Count);
        return Run(classifier, n, data.ClassNames, batchSize,
            (start, count) => (data.ToTensor(start, count, device), data.LabelsTensor(start, count, device)),
            features, progress);
    }

    /// <summary>Classifies images [N, C, S, S] (in [-1, 1]; clamped to it) against their labels [N].</summary>
    public static ClassificationReport Run(FashionClassifier classifier, Tensor images, Tensor labels, IReadOnlyList<string> classNames,
        int batchSize = 500, Device? device = null, FeatureStatsAccumulator? features = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.dim() != 4) throw new ArgumentException($"expected images [N, C, H, W], got [{string.Join(", ", images.shape)}]", nameof(images));
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"expected one label per image ({images.shape[0]}), got labels [{string.Join(", ", labels.shape)}]", nameof(labels));
        if (labels.numel() > 0 && (labels.min().item<long>() < 0 || labels.max().item<long>() >= classifier.Classes))
            throw new ArgumentException($"labels must lie in 0..{classifier.Classes - 1}", nameof(labels));
        var dev = device ?? images.device;
        return Run(classifier, checked((int)images.shape[0]), classNames, batchSize,
            (start, count) => (images.narrow(0, start, count).to(dev).clamp(-1, 1), labels.narrow(0, start, count).to(ScalarType.Int64).to(dev)),
            features, progress);
    }

    static ClassificationReport Run(FashionClassifier classifier, int n, IReadOnlyList<string> classNames, int batchSize,
        Func<int, int, (Tensor Images, Tensor Labels)> batch, FeatureStatsAccumulator? features, IProgress<double>? progress)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int k = classifier.Classes;
        if (classNames.Count != k) throw new ArgumentException($"{classNames.Count} class names for a classifier of {k} classes", nameof(classNames));
        var counts = new long[k * k];
        bool wasTraining = classifier.training;
        classifier.eval();
        try
        {
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                int count = Math.Min(batchSize, n - start);
                var (x, y) = batch(start, count);
                var o = classifier.Run(x);
                features?.Add(o.Features);
                var pred = o.Logits.argmax(1);
                var cells = torch.bincount(y * k + pred, minlength: k * k).cpu().to(ScalarType.Int64);
                var add = cells.data<long>().ToArray();
                for (int i = 0; i < add.Length; i++) counts[i] += add[i];
                progress?.Report((double)(start + count) / n);
            }
        }
        finally { classifier.train(wasTraining); }
        return Report(counts, k, classNames);
    }

    static ClassificationReport Report(long[] counts, int k, IReadOnlyList<string> classNames)
    {
        var confusion = new long[k][];
        long total = 0, correct = 0;
        var perClass = new List<ClassAccuracy>(k);
        for (int t = 0; t < k; t++)
        {
            confusion[t] = counts.AsSpan(t * k, k).ToArray();
            long rowTotal = confusion[t].Sum();
            total += rowTotal;
            correct += confusion[t][t];
            perClass.Add(new ClassAccuracy(t, classNames[t], rowTotal, rowTotal == 0 ? double.NaN : (double)confusion[t][t] / rowTotal));
        }
        return new ClassificationReport(total, total == 0 ? double.NaN : (double)correct / total, perClass, confusion);
    }
}
