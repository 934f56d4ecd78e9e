namespace ResGen.Data;

/// <summary>How a class-per-folder image set is read (<see cref="DataSets.Load"/>).</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Share of the images held out as the test split (chosen by a stable hash of each path).</summary>
    public double HeldOut { get; init; } = 0.1;
    /// <summary>Replace files that cannot be decoded (counted and reported) instead of stopping.</summary>
    public bool SkipBad { get; init; }
    /// <summary>Leave out class folders without images instead of refusing the folder.</summary>
    public bool SkipEmptyClasses { get; init; }
}

/// <summary>
/// The data behind <c>--data</c>: Fashion-MNIST's IDX files (the default, or a folder holding them) or
/// any class-per-folder image set (<see cref="ImageFolder"/>), read at the image size and channels a
/// model is configured for, as a train or test split.
/// </summary>
public static class DataSets
{
    /// <summary>Whether <paramref name="data"/> is a folder of Fashion-MNIST files rather than an image folder.</summary>
    public static bool IsFashionMnist(string? data)
        => data is null || File.Exists(Path.Combine(data, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(data, "t10k-images-idx3-ubyte.gz"))
           || !Directory.Exists(data);

    /// <summary>
    /// The training split for a training loop: Fashion-MNIST in memory; an image folder streamed from
    /// disk (decoded on background threads ahead of the steps, decoded images kept up to
    /// <paramref name="cacheBytes"/>), so memory does not grow with the data set.
    /// </summary>
    public static ITrainingImages LoadTraining(string? data, int? limit, int imageSize, int channels, ImageFolderOptions? options = null, long cacheBytes = 1L << 30)
    {
        if (IsFashionMnist(data)) return Load(data, "train", limit, imageSize, channels, options);
        options ??= new ImageFolderOptions();
        return new ImageFolderDataset(FolderSplit(data!, "train", limit, options), imageSize, channels, options.SkipBad, cacheBytes);
    }

    /// <summary>What the data are, for statistics caches and token-cache metadata: null for Fashion-MNIST, else the image folder's full path.</summary>
    public static string? Identity(string? data) => IsFashionMnist(data) ? null : Path.GetFullPath(data!);

    /// <summary>A split of the data at <paramref name="imageSize"/> px with <paramref name="channels"/> channels, in memory.</summary>
    /// <param name="data">--data: null for the installed Fashion-MNIST, a folder of its IDX files, or an image folder.</param>
    /// <param name="split">train or test.</param>
    /// <param name="limit">Keep only the first N images of the split.</param>
    public static ImageDataset Load(string? data, string split, int? limit, int imageSize, int channels,
        ImageFolderOptions? options = null, IProgress<double>? progress = null)
    {
        if (limit is <= 0) throw new UserErrorException($"the image limit must be a positive number, got {limit}.");
        if (IsFashionMnist(data))
        {
            if (imageSize != 28 || channels != 1)
                throw new UserErrorException($"Fashion-MNIST images are 28×28 grey, but the model is configured for {imageSize}×{imageSize} with {channels} channel{(channels == 1 ? "" : "s")}; pass an image folder with --data or use a config for 28 px grey images.");
            return FashionMnist.Load(split, data, limit);
        }

        options ??= new ImageFolderOptions();
        return new ImageFolderDataset(FolderSplit(data!, split, limit, options), imageSize, channels, options.SkipBad).ToMemory(progress);
    }

    /// <summary>One split of an image folder, at most <paramref name="limit"/> images of it.</summary>
    static ImageFolder FolderSplit(string data, string split, int? limit, ImageFolderOptions options)
    {
        if (!(options.HeldOut is > 0 and < 1)) throw new UserErrorException($"the held-out share must lie between 0 and 1, got {options.HeldOut}.");
        var (train, test) = ImageFolder.Scan(data, options.SkipEmptyClasses).Split(options.HeldOut);
        var part = split.Trim().ToLowerInvariant() switch
        {
            "train" => train,
            "test" => test,
            _ => throw new UserErrorException($"unknown split '{split}'; use train or test."),
        };
        if (part.Files.Count == 0) throw new UserErrorException($"the {split} split of '{data}' is empty; the folder needs more images.");
        return limit is { } n && n < part.Files.Count ? part.Take(n) : part;
    }
}
