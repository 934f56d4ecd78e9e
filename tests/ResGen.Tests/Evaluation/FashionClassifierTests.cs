using ResGen.Data;
using ResGen.Evaluation;
using ResGen.Tests.Data;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public sealed class FashionClassifierTests
{
    internal static ClassifierModelConfig TinyModel => new() { HiddenChannels = [4, 8], FeatureDim = 12 };

    internal static ImageDataset RandomImages(int count, int seed, int classes = 10)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * 28 * 28];
        rng.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray();
        return new ImageDataset(pixels, labels, count, 28, 28, 1, [.. Enumerable.Range(0, classes).Select(i => $"c{i}")]);
    }

    [Fact]
    public void ShapesOfFeaturesAndLogits()
    {
        torch.manual_seed(0);
        var clf = new FashionClassifier(new ClassifierModelConfig());
        clf.eval();
        using var _ = torch.no_grad();
        var x = torch.rand(3, 1, 28, 28) * 2 - 1;
        Assert.Equal(new long[] { 3, 10 }, clf.forward(x).shape);
        Assert.Equal(new long[] { 3, 128 }, clf.Features(x).shape);
        var o = clf.Run(x);
        Assert.True(o.Features.allclose(clf.Features(x)));
        Assert.True(o.Logits.allclose(clf.forward(x)));
        Assert.Throws<ArgumentException>(() => clf.forward(torch.zeros(2, 1, 32, 32)));
    }

    [Fact]
    public void FreshModulesHaveFiniteParameters()
    {
        torch.manual_seed(1);
        var clf = new FashionClassifier(new ClassifierModelConfig { ConvsPerStage = 2 });
        foreach (var (name, p) in clf.named_parameters())
        {
            Assert.False(p.isnan().any().item<bool>(), $"{name} has NaN");
            Assert.True(p.abs().max().item<float>() < 10f, $"{name} is out of scale");
        }
    }

    [Fact]
    public void ConfigRejectsImpossibleShapes()
    {
        Assert.Throws<UserErrorException>(() => new ClassifierModelConfig { HiddenChannels = [] }.Validate());
        Assert.Throws<UserErrorException>(() => new ClassifierModelConfig { ImageSize = 4, HiddenChannels = [4, 4, 4, 4] }.Validate());
        Assert.Throws<UserErrorException>(() => new ClassifierModelConfig { Dropout = 1.0 }.Validate());
        Assert.Throws<UserErrorException>(() => new ClassifierAugmentConfig { MaxShift = -1 }.Validate());
    }

    [Fact]
    public void ShippedTestStatisticsBelongToTheShippedClassifier()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ResGen.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        string checkpoint = Path.Combine(dir!.FullName, "models", "classifier");
        // what SampleQuality.TestStats requires to reuse the file instead of recomputing it into models/
        var stats = FeatureStats.Load(ClassifierCheckpoint.TestStatsPath(checkpoint));
        Assert.Equal($"classifier {ClassifierCheckpoint.Fingerprint(checkpoint)}; test split; 10000 images", stats.Source);
        Assert.Equal((128, 10000L), (stats.Dim, stats.Count));
        Assert.All(stats.Covariance, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void ShippedConfigLoadsAndBuilds()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "configs", "classifier.json"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var config = ResGen.Config.ConfigLoader.Load<ClassifierConfig>(Path.Combine(dir!.FullName, "configs", "classifier.json"), []);
        Assert.Equal("classifier", ClassifierTraining.Kind);
        var clf = config.Build();
        Assert.Equal(128, clf.FeatureDim);
        // the shipped weights must stay small
        Assert.InRange(clf.parameters().Sum(p => p.numel()) * 4, 0, 2_000_000);
    }

    [Fact]
    public void RandomShiftMovesEachImageByAtMostMaxShiftAndPadsWithBackground()
    {
        var x = torch.full(new long[] { 64, 1, 28, 28 }, -1f);
        x[.., .., 14, 14] = torch.tensor(1f);
        var shifted = ClassifierTraining.RandomShift(x, 2, new Generator(3));
        Assert.Equal(x.shape, shifted.shape);
        Assert.True(shifted.eq(1f).sum([1, 2, 3]).eq(1).all().item<bool>(), "every image keeps its one bright pixel");
        Assert.Equal(64 * (28 * 28 - 1), shifted.eq(-1f).sum().item<long>());
        var where = shifted.eq(1f).nonzero();        // [64, 4]: b, c, y, x
        Assert.True(where[.., 2].sub(14).abs().le(2).all().item<bool>());
        Assert.True(where[.., 3].sub(14).abs().le(2).all().item<bool>());
        Assert.True(where[.., 2].unique().output.numel() > 1, "shifts differ between images");
        TensorAssert.Equal(shifted, ClassifierTraining.RandomShift(x, 2, new Generator(3)));
        Assert.Same(x, ClassifierTraining.RandomShift(x, 0));
        // a corner pixel shifted outwards disappears behind the background padding
        var corner = torch.full(new long[] { 1, 1, 28, 28 }, -1f);
        corner[0, 0, 0, 0] = torch.tensor(1f);
        Assert.True(ClassifierTraining.RandomShift(corner, 2, new Generator(5)).max().item<float>() <= 1f);
    }

    [Fact]
    public void EvaluationCountsEveryImageOnce()
    {
        torch.manual_seed(2);
        var clf = new FashionClassifier(TinyModel);
        var data = RandomImages(57, 1);
        using var features = new FeatureStatsAccumulator();
        var r = ClassifierEvaluation.Run(clf, data, batchSize: 10, features: features);
        Assert.Equal(57, r.Images);
        Assert.Equal(57, features.Count);
        Assert.Equal(57, r.Confusion.Sum(row => row.Sum()));
        for (int c = 0; c < 10; c++) Assert.Equal(data.Labels.Count(l => l == c), r.PerClass[c].Count);
        Assert.Equal((double)Enumerable.Range(0, 10).Sum(c => r.Confusion[c][c]) / 57, r.Accuracy, 12);
        Assert.True(clf.training, "the evaluation restores training mode");

        // the tensor overload agrees with the data-set one
        var again = ClassifierEvaluation.Run(clf, data.ToTensor(0, 57), data.LabelsTensor(0, 57), data.ClassNames, batchSize: 25);
        Assert.Equal(r.Confusion, again.Confusion);
    }

    [Fact]
    public void SampleQualityOfTheReferenceImagesThemselvesHasZeroFd()
    {
        torch.manual_seed(3);
        var clf = new FashionClassifier(TinyModel);
        var data = RandomImages(80, 2);
        var reference = SampleQuality.Stats(clf, data, batchSize: 30);
        var report = SampleQuality.Evaluate(clf, data.ToTensor(0, 80), data.LabelsTensor(0, 80), reference, data.ClassNames, batchSize: 16);
        Assert.Equal(80, report.Samples);
        Assert.Equal(80, report.ReferenceImages);
        Assert.InRange(report.Fd, 0, 1e-6);
        Assert.Equal(ClassifierEvaluation.Run(clf, data).Accuracy, report.ClassAccuracy, 12);

        // a different set of images is measurably farther away, and the floor helper agrees with Stats
        var other = RandomImages(80, 3);
        double floor = SampleQuality.RealDataFloor(clf, other, 80, reference);
        Assert.True(floor > 0);
        Assert.Equal(FrechetDistance.Compute(SampleQuality.Stats(clf, other), reference), floor, 1e-4 * floor);   // same images, another order
        Assert.Throws<UserErrorException>(() => SampleQuality.RealDataFloor(clf, other, 81, reference));
    }

    [Fact]
    public void RandomSubsetsAreDistinctAndReproducible()
    {
        var a = SampleQuality.RandomSubset(1000, 100, seed: 4);
        Assert.Equal(100, a.Distinct().Count());
        Assert.All(a, i => Assert.InRange(i, 0, 999));
        Assert.Equal(a, SampleQuality.RandomSubset(1000, 100, seed: 4));
        Assert.NotEqual(a, SampleQuality.RandomSubset(1000, 100, seed: 5));
    }

    [Fact]
    public void CheckpointRoundTripRestoresTheClassifierAndCachesTestStatistics()
    {
        using var dir = new TempDirectory();
        torch.manual_seed(4);
        var config = new ClassifierConfig { Model = TinyModel };
        var clf = config.Build();
        var path = dir.File("classifier");
        Checkpoint.Save(path, clf, ClassifierTraining.Kind, config, step: 7);

        var (loaded, loadedConfig, hash) = ClassifierCheckpoint.Load(path + ".safetensors");
        Assert.Equal(config.Model.HiddenChannels, loadedConfig.Model.HiddenChannels);
        Assert.Equal(12, loaded.FeatureDim);
        Assert.False(loaded.training);
        Assert.Equal(12, hash.Length);
        clf.eval();
        using (torch.no_grad())
        {
            var x = torch.rand(5, 1, 28, 28, generator: new Generator(6)) * 2 - 1;
            TensorAssert.Equal(clf.forward(x), loaded.forward(x));
        }

        string fingerprint = ClassifierCheckpoint.Fingerprint(path);
        Assert.Equal(16, fingerprint.Length);
        Assert.Equal(fingerprint, ClassifierCheckpoint.Fingerprint(path + ".json"));
        Assert.Equal(dir.File("classifier.test-stats.safetensors"), ClassifierCheckpoint.TestStatsPath(path + ".safetensors"));

        var test = RandomImages(40, 5);
        var (_, reference) = SampleQuality.LoadReference(path, test);
        var statsPath = ClassifierCheckpoint.TestStatsPath(path);
        Assert.True(File.Exists(statsPath));
        Assert.Contains(fingerprint, reference.Source);
        var written = File.GetLastWriteTimeUtc(statsPath);
        // the cache is reused for the same classifier, recomputed for another one
        Assert.Equal(reference.Mean, SampleQuality.TestStats(loaded, test, fingerprint, statsPath).Mean);
        Assert.Equal(written, File.GetLastWriteTimeUtc(statsPath));
        var other = SampleQuality.TestStats(loaded, test, "0123456789abcdef", statsPath);
        Assert.Contains("0123456789abcdef", FeatureStats.Load(statsPath).Source);
        Assert.Equal(reference.Mean, other.Mean);

        // a classifier checkpoint is not a tokenizer and vice versa
        Assert.Throws<UserErrorException>(() => ResGen.Tokens.TokenizerCheckpoint.Load(path));
    }

    [FashionMnistInstalledFact]
    public void ShortTrainingOnRealImagesLowersTheLoss()
    {
        using var dir = new TempDirectory();
        torch.manual_seed(5);
        var train = FashionMnist.Load("train", limit: 512);
        var config = new ClassifierConfig
        {
            Model = TinyModel with { HiddenChannels = [8, 16] },
            Train = new TrainSettings { Steps = 40, BatchSize = 64, Lr = 3e-3, WarmupSteps = 5, LogEvery = 10, EvalEvery = 0, CheckpointEvery = 0 },
        };
        var clf = config.Build();
        double Loss()
        {
            using var _ = torch.no_grad();
            clf.eval();
            var l = nn.functional.cross_entropy(clf.forward(train.ToTensor(0, 512)), train.LabelsTensor(0, 512)).item<float>();
            clf.train();
            return l;
        }
        double before = Loss();
        var eval = ClassifierTraining.Run(config, clf, train, train, dir.Path, resume: false, torch.CPU, evalImages: 256);
        double after = Loss();
        Assert.True(after < before - 0.3, $"loss {before:F3} → {after:F3}");
        Assert.Contains(eval, m => m.Name == "test_acc" && m.Value > 0.2);   // chance is 0.1
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "last.train.safetensors")));
    }
}
