using ResGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>How well a set of class-conditional samples matches its intended classes and the real data.</summary>
/// <param name="Samples">Images evaluated.</param>
/// <param name="ClassAccuracy">Fraction classified as the class they were generated for.</param>
/// <param name="PerClass">That fraction per intended class.</param>
/// <param name="Fd">Squared Fréchet distance of their classifier features to the reference (test split) statistics.</param>
/// <param name="ReferenceImages">Images behind the reference statistics.</param>
public sealed record SampleQualityReport(long Samples, double ClassAccuracy, IReadOnlyList<ClassAccuracy> PerClass, double Fd, long ReferenceImages);

/// <summary>
/// Measures generated images with the evaluation classifier: class accuracy (is a "Sneaker"
/// sample classified as a sneaker?) and "FD", the Fréchet distance between Gaussians fitted to
/// the classifier's features of the samples and of the test split.
/// </summary>
/// <remarks>
/// FD here is a Fréchet distance in this project's <see cref="FashionClassifier"/> feature space
/// (128-d by default), not Inception FID: its values are not comparable with published FIDs or
/// with FDs under another classifier. It is also biased upwards for small sample counts, so
/// compare FDs only at the same N and read them against the real-data floor
/// (<see cref="RealDataFloor"/>): the FD of N real training images, which is what a perfect
/// generator would score at that N.
/// </remarks>
public static class SampleQuality
{
    /// <summary>Class accuracy and FD of images [N, C, S, S] in [-1, 1] (clamped to it) generated for <paramref name="labels"/> [N].</summary>
    public static SampleQualityReport Evaluate(FashionClassifier classifier, Tensor images, Tensor labels, FeatureStats reference,
        IReadOnlyList<string>? classNames = null, int batchSize = 500, Device? device = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        CheckDim(classifier, reference);
        if (images.shape[0] < 2) throw new UserErrorException($"need at least two samples for a Fréchet distance, got {images.shape[0]}.");
        classNames ??= classifier.Classes == FashionMnist.ClassCount
            ? FashionMnist.ClassNames
            : Enumerable.Range(0, classifier.Classes).Select(i => $"class {i}").ToList();
        using var features = new FeatureStatsAccumulator();
        var report = ClassifierEvaluation.Run(classifier, images, labels, classNames, batchSize, device, features, progress);
        var fd = FrechetDistance.Compute(features.ToStats("samples"), reference);
        return new SampleQualityReport(report.Images, report.Accuracy, report.PerClass, fd, reference.Count);
    }

    /// <summary>Feature statistics of the images at <paramref name="indices"/> of a data set (all images when null).</summary>
    public static FeatureStats Stats(FashionClassifier classifier, ImageDataset data, long[]? indices = null, string source = "",
        int batchSize = 500, Device? device = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        indices ??= Enumerable.Range(0, data.Count).Select(i => (long)i).ToArray();
        if (indices.Length < 2) throw new UserErrorException($"need at least two images for feature statistics, got {indices.Length}.");
        using var acc = new FeatureStatsAccumulator();
        bool wasTraining = classifier.training;
        classifier.eval();
        try
        {
            for (int start = 0; start < indices.Length; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                int count = Math.Min(batchSize, indices.Length - start);
                acc.Add(classifier.Features(data.Batch(indices[start..(start + count)], device)));
                progress?.Report((double)(start + count) / indices.Length);
            }
        }
        finally { classifier.train(wasTraining); }
        return acc.ToStats(source);
    }

    /// <summary>
    /// The reference statistics of the whole test split for the classifier with weights
    /// <paramref name="fingerprint"/>, read from <paramref name="cachePath"/> when it holds them for
    /// this classifier and split size, else computed and (when a path is given) written there.
    /// </summary>
    /// <param name="dataId">What the test split was read from when it is not Fashion-MNIST (an image folder's path), so statistics of other data are never reused.</param>
    public static FeatureStats TestStats(FashionClassifier classifier, ImageDataset test, string fingerprint, string? cachePath,
        Device? device = null, IProgress<double>? progress = null, string? dataId = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        string source = $"classifier {fingerprint}; test split; {test.Count} images" + (dataId is null ? "" : $"; data {dataId}");
        if (cachePath is not null && File.Exists(cachePath))
        {
            try
            {
                var cached = FeatureStats.Load(cachePath);
                if (cached.Source == source && cached.Dim == classifier.FeatureDim) return cached;
            }
            catch (UserErrorException) { /* stale or damaged cache: recompute below */ }
        }
        var stats = Stats(classifier, test, source: source, device: device, progress: progress);
        if (cachePath is not null) stats.Save(cachePath);
        return stats;
    }

    /// <summary>Loads a classifier checkpoint and the (cached) feature statistics of the test split for it.</summary>
    public static (FashionClassifier Classifier, FeatureStats Reference) LoadReference(string checkpoint, ImageDataset test,
        Device? device = null, IProgress<double>? progress = null, string? dataId = null)
    {
        var (classifier, _, _) = ClassifierCheckpoint.Load(checkpoint, device);
        if (classifier.Classes != test.ClassNames.Length)
            throw new UserErrorException($"the classifier '{checkpoint}' knows {classifier.Classes} classes but the data have {test.ClassNames.Length}; train one on this data with: resgen classifier train --data DIR.");
        var reference = TestStats(classifier, test, ClassifierCheckpoint.Fingerprint(checkpoint), ClassifierCheckpoint.TestStatsPath(checkpoint), device, progress, dataId);
        return (classifier, reference);
    }

    /// <summary>
    /// The real-data floor at <paramref name="n"/> samples: the FD between <paramref name="n"/>
    /// random training images (drawn without replacement with <paramref name="seed"/>) and the
    /// reference statistics. A generator's FD at the same N is best read relative to it.
    /// </summary>
    public static double RealDataFloor(FashionClassifier classifier, ImageDataset train, int n, FeatureStats reference, long seed = 0,
        Device? device = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(reference);
        CheckDim(classifier, reference);
        if (n < 2 || n > train.Count) throw new UserErrorException($"the real-data floor needs between 2 and {train.Count} training images, got {n}.");
        var stats = Stats(classifier, train, RandomSubset(train.Count, n, seed), $"{n} random training images", device: device, progress: progress);
        return FrechetDistance.Compute(stats, reference);
    }

    /// <summary><paramref name="n"/> distinct indices of 0..<paramref name="count"/>−1 in random order, a pure function of <paramref name="seed"/>.</summary>
    public static long[] RandomSubset(int count, int n, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, count);
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)(seed * 7919 + 31))).Shuffle(order);
        return order.Take(n).Select(i => (long)i).ToArray();
    }

    static void CheckDim(FashionClassifier classifier, FeatureStats reference)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if (reference.Dim != classifier.FeatureDim)
            throw new UserErrorException($"the reference statistics are {reference.Dim}-d but the classifier's features are {classifier.FeatureDim}-d (computed with another classifier?).");
    }
}
