namespace ResGen.Data;

/// <summary>One image of an <see cref="ImageFolder"/>: its path and class.</summary>
public sealed record ImageFile(string Path, int Label);

/// <summary>
/// A class-per-folder image set (the ImageNet / torchvision <c>ImageFolder</c> layout): every
/// subfolder of the root is a class, named after the folder, in ordinal order; its PNG, JPEG and WebP
/// files (in any subfolder below it) are the images, in ordinal order of their paths. Hidden files
/// and folders are ignored; other files are counted as non-images.
/// </summary>
public sealed class ImageFolder
{
    /// <summary>File extensions read as images (compared without case).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".webp" };

    ImageFolder(string root, string[] classNames, ImageFile[] files, string[] nonImages, string[] emptyClasses)
    {
        Root = root;
        ClassNames = classNames;
        Files = files;
        NonImages = nonImages;
        EmptyClasses = emptyClasses;
    }

    /// <summary>The folder that holds one subfolder per class.</summary>
    public string Root { get; }
    /// <summary>Class names (folder names), indexed by label.</summary>
    public string[] ClassNames { get; }
    /// <summary>The images, class by class.</summary>
    public IReadOnlyList<ImageFile> Files { get; }
    /// <summary>Files found that are not images by their extension (left out).</summary>
    public IReadOnlyList<string> NonImages { get; }
    /// <summary>Class folders without a single image (left out when <c>allowEmptyClasses</c>).</summary>
    public IReadOnlyList<string> EmptyClasses { get; }

    /// <summary>Lists <paramref name="root"/>; a missing folder, no class folders or an empty class are one sentence.</summary>
    /// <param name="root">The data folder.</param>
    /// <param name="allowEmptyClasses">Leave classes without images out instead of refusing the folder.</param>
    public static ImageFolder Scan(string root, bool allowEmptyClasses = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (File.Exists(root))
            throw new UserErrorException($"'{root}' is a file; an image data set is a folder with one subfolder per class (e.g. {root}/cat/*.png).");
        if (!Directory.Exists(root))
            throw new UserErrorException($"image folder '{root}' does not exist.");
        string[] classDirs;
        try
        {
            classDirs = [.. Directory.GetDirectories(root).Where(d => !Hidden(d)).Order(StringComparer.Ordinal)];
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UserErrorException($"image folder '{root}' cannot be read: {e.Message}", e);
        }
        if (classDirs.Length == 0)
            throw new UserErrorException($"'{root}' has no class folders; put the images of each class in a subfolder named after the class (e.g. {root}/cat/*.png).");

        var names = new List<string>();
        var files = new List<ImageFile>();
        var nonImages = new List<string>();
        var empty = new List<string>();
        foreach (var dir in classDirs)
        {
            var found = new List<string>();
            foreach (var file in Enumerate(dir))
            {
                if (Extensions.Contains(Path.GetExtension(file))) found.Add(file);
                else nonImages.Add(file);
            }
            if (found.Count == 0)
            {
                empty.Add(Path.GetFileName(dir));
                continue;
            }
            found.Sort(StringComparer.Ordinal);
            int label = names.Count;
            names.Add(Path.GetFileName(dir));
            files.AddRange(found.Select(f => new ImageFile(f, label)));
        }

        if (empty.Count > 0 && !allowEmptyClasses)
            throw new UserErrorException($"class folder{(empty.Count > 1 ? "s" : "")} {string.Join(", ", empty.Take(5).Select(e => $"'{Path.Combine(root, e)}'"))}{(empty.Count > 5 ? $" and {empty.Count - 5} more" : "")} hold{(empty.Count > 1 ? "" : "s")} no PNG, JPEG or WebP image; add images or pass the option that skips empty classes.");
        if (files.Count == 0)
            throw new UserErrorException($"'{root}' holds no PNG, JPEG or WebP image in its class folders.");
        return new ImageFolder(root, [.. names], [.. files], [.. nonImages], [.. empty]);
    }

    /// <summary>
    /// Splits the images into a training and a held-out part: an image is held out when a stable hash
    /// of its path relative to the root falls under <paramref name="heldOut"/>, so the split does not
    /// change when images are added elsewhere and is the same on every machine.
    /// </summary>
    public (ImageFolder Train, ImageFolder Test) Split(double heldOut)
    {
        if (!(heldOut is > 0 and < 1)) throw new UserErrorException($"the held-out share must lie between 0 and 1, got {heldOut}.");
        var test = Files.Where(f => Unit(Path.GetRelativePath(Root, f.Path)) < heldOut).ToHashSet();
        return (With([.. Files.Where(f => !test.Contains(f))]), With([.. Files.Where(test.Contains)]));
    }

    /// <summary>
    /// <paramref name="count"/> of the images, a spread over all classes that is the same on every
    /// machine (those with the smallest stable path hash), in their usual order.
    /// </summary>
    public ImageFolder Take(int count)
    {
        if (count < 1) throw new UserErrorException($"the image limit must be a positive number, got {count}.");
        var chosen = Files.OrderBy(f => Unit("take:" + Path.GetRelativePath(Root, f.Path))).Take(count).ToHashSet();
        return With([.. Files.Where(chosen.Contains)]);
    }

    /// <summary>The images of each class, counted.</summary>
    public int[] CountsPerClass()
    {
        var counts = new int[ClassNames.Length];
        foreach (var f in Files) counts[f.Label]++;
        return counts;
    }

    ImageFolder With(ImageFile[] files) => new(Root, ClassNames, files, [.. NonImages], [.. EmptyClasses]);

    /// <summary>The files of a class folder and its subfolders; a link to a folder is followed once, never round a loop.</summary>
    static IEnumerable<string> Enumerate(string dir) => IO.FolderWalk.Files(dir);

    static bool Hidden(string path) => Path.GetFileName(path).StartsWith('.');

    /// <summary>FNV-1a of the UTF-8 path mapped to [0, 1): the same on every machine and run.</summary>
    static double Unit(string relativePath)
    {
        ulong h = 14695981039346656037;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(relativePath.Replace('\\', '/')))
        {
            h ^= b;
            h *= 1099511628211;
        }
        return (h >> 11) / (double)(1UL << 53);
    }
}
