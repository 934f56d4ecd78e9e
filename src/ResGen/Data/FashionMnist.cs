namespace ResGen.Data;

/// <summary>
/// Loads Fashion-MNIST (28x28 grey images of clothing in ten classes) from the gzip IDX files
/// shipped by the Debian package <c>dataset-fashion-mnist</c> or any folder with the same files.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    private static readonly string[] Names =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>The ten class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames => Names;

    /// <summary>
    /// Resolves a class given as an index ("9"), a name ("Ankle boot"), or a case-insensitive
    /// simplified or abbreviated name ("ankle-boot", "tshirt", "t-shirt", "sneak").
    /// </summary>
    /// <param name="nameOrIndex">What the user typed.</param>
    /// <returns>The class index, 0..9.</returns>
    /// <exception cref="UserErrorException">No class, or more than one, fits; the message lists the valid names.</exception>
    public static int ParseClass(string nameOrIndex) => Data.ClassNames.Parse(Names, nameOrIndex);

    /// <summary>The image and label file paths of a split.</summary>
    /// <param name="split">"train" (60,000 images) or "test" (10,000 images).</param>
    /// <param name="dir">Folder holding the files; <see cref="DefaultDirectory"/> when null.</param>
    /// <returns>Full paths of the image file and the label file.</returns>
    public static (string Images, string Labels) FilesFor(string split, string? dir = null)
    {
        ArgumentNullException.ThrowIfNull(split);
        string prefix = split.Trim().ToLowerInvariant() switch
        {
            "train" => "train",
            "test" or "t10k" => "t10k",
            _ => throw new UserErrorException(
                $"Unknown Fashion-MNIST split '{split}'; use 'train' or 'test'."),
        };
        string folder = dir ?? DefaultDirectory;
        return (Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"),
                Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"));
    }

    /// <summary>Reads a split into memory.</summary>
    /// <param name="split">"train" (60,000 images) or "test" (10,000 images).</param>
    /// <param name="dir">Folder holding the files; <see cref="DefaultDirectory"/> when null.</param>
    /// <param name="limit">If set, keep only the first <paramref name="limit"/> images (must be positive).</param>
    /// <returns>The images (1 channel, 28x28 for the real data) with their labels.</returns>
    /// <exception cref="UserErrorException">A file is missing, corrupt or inconsistent with its partner.</exception>
    public static ImageDataset Load(string split, string? dir = null, int? limit = null)
    {
        if (limit is <= 0)
        {
            throw new UserErrorException($"The image limit must be a positive number, but it is {limit}.");
        }
        var (imagesPath, labelsPath) = FilesFor(split, dir);
        foreach (string path in new[] { imagesPath, labelsPath })
        {
            if (!File.Exists(path))
            {
                throw new UserErrorException(
                    $"Fashion-MNIST file '{path}' is missing; install it with: " +
                    "sudo apt-get install dataset-fashion-mnist (or pass --data DIR)");
            }
        }

        var (imageShape, count, pixels) = IdxFile.Read(imagesPath, dimensions: 3, limit);
        var (labelShape, _, labels) = IdxFile.Read(labelsPath, dimensions: 1, limit);
        if (imageShape[0] != labelShape[0])
        {
            throw new UserErrorException(
                $"Fashion-MNIST files disagree: '{imagesPath}' holds {imageShape[0]} images " +
                $"but '{labelsPath}' holds {labelShape[0]} labels.");
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= ClassCount)
            {
                throw new UserErrorException(
                    $"File '{labelsPath}' holds label {labels[i]} at position {i}, but Fashion-MNIST labels are 0 to {ClassCount - 1}.");
            }
        }

        return new ImageDataset(pixels, labels, count, imageShape[1], imageShape[2], channels: 1, [.. Names]);
    }
}
