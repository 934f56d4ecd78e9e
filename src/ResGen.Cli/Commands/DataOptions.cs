using System.CommandLine;
using ResGen.Data;

namespace ResGen.Cli.Commands;

/// <summary>--data and how an image folder given there is read; shared by the verbs that read images.</summary>
public sealed class DataOptions
{
    public Option<string?> Data { get; } = new("--data")
    {
        Description = $"The images: a folder with one subfolder of PNG/JPEG/WebP images per class (see `resgen data inspect`), or a folder of Fashion-MNIST gzip IDX files (default: {FashionMnist.DefaultDirectory}, from the Debian package dataset-fashion-mnist).",
        HelpName = "DIR",
    };
    public Option<double> HeldOut { get; } = new("--held-out")
    {
        Description = "Image folders: the share held out as the test split (chosen by a stable hash of each file's path).",
        DefaultValueFactory = _ => 0.1,
        HelpName = "FRACTION",
    };
    public Option<bool> SkipBad { get; } = new("--skip-bad") { Description = "Image folders: replace files that cannot be decoded (they are counted and reported) instead of stopping." };
    public Option<bool> SkipEmptyClasses { get; } = new("--skip-empty-classes") { Description = "Image folders: leave out class folders without images instead of refusing the folder." };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Data, HeldOut, SkipBad, SkipEmptyClasses }) cmd.Options.Add(o);
    }

    /// <summary>A split at the size and channels a model wants, in memory, with a progress bar while an image folder is decoded.</summary>
    public ImageDataset Load(ParseResult pr, string split, int? limit, int imageSize, int channels)
    {
        string? data = pr.GetValue(Data);
        if (DataSets.IsFashionMnist(data)) return DataSets.Load(data, split, limit, imageSize, channels, Options(pr));
        return ConsoleProgress.Run($"reading {split} images", 1.0, (p, _) => DataSets.Load(data, split, limit, imageSize, channels, Options(pr), p));
    }

    /// <summary>The training split for a training loop: an image folder streams from disk (see <see cref="DataSets.LoadTraining"/>).</summary>
    public ITrainingImages LoadTraining(ParseResult pr, int? limit, int imageSize, int channels)
        => DataSets.LoadTraining(pr.GetValue(Data), limit, imageSize, channels, Options(pr));

    /// <summary>The test and train splits at the size and channels of a classifier checkpoint (its sidecar is read, not its weights).</summary>
    public (ImageDataset Test, ImageDataset Train) ForClassifier(ParseResult pr, string classifierCheckpoint)
    {
        var cfg = ResGen.Training.Checkpoint.LoadConfig<ResGen.Evaluation.ClassifierConfig>(classifierCheckpoint, ResGen.Evaluation.ClassifierTraining.Kind);
        return (Load(pr, "test", null, cfg.Model.ImageSize, cfg.Model.Channels), Load(pr, "train", null, cfg.Model.ImageSize, cfg.Model.Channels));
    }

    /// <summary>What the data are, for statistics caches: null for Fashion-MNIST, else the image folder's full path.</summary>
    public string? DataId(ParseResult pr) => DataSets.Identity(pr.GetValue(Data));

    /// <summary>What the metadata of an encoded data set says about its source.</summary>
    public static string Describe(string? data) => DataSets.Identity(data) ?? "fashion-mnist";

    ImageFolderOptions Options(ParseResult pr)
        => new() { HeldOut = pr.GetValue(HeldOut), SkipBad = pr.GetValue(SkipBad), SkipEmptyClasses = pr.GetValue(SkipEmptyClasses) };
}
