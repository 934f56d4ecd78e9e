using ResGen.Cli;
using ResGen.Data;
using SkiaSharp;
using TorchSharp;

namespace ResGen.Tests.Data;

/// <summary>Class-per-folder image sets: scanning, decoding (formats, alpha, crop), bad files, streaming, inspect.</summary>
[Collection(TorchCollection.Name)]
public sealed class ImageFolderTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A picture of <paramref name="w"/>×<paramref name="h"/> coloured by <paramref name="colour"/>(x, y), saved in <paramref name="format"/>.</summary>
    static void Save(string path, int w, int h, Func<int, int, SKColor> colour, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) bitmap.SetPixel(x, y, colour(x, y));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>
    /// cat: two PNGs (one half transparent) and a JPEG; dog: a WebP, a 40×20 PNG, an empty PNG, a JPEG
    /// of garbage and a text file; empty: only a text file; plus a hidden folder that must be ignored.
    /// </summary>
    string Tree()
    {
        string root = _dir.File("data");
        Save(Path.Combine(root, "cat", "a.png"), 8, 8, (_, _) => new SKColor(200, 10, 10));
        Save(Path.Combine(root, "cat", "b.png"), 8, 8, (x, _) => x < 4 ? new SKColor(0, 0, 0, 0) : new SKColor(0, 0, 255));
        Save(Path.Combine(root, "cat", "c.JPG"), 16, 16, (_, _) => new SKColor(128, 128, 128), SKEncodedImageFormat.Jpeg);
        Save(Path.Combine(root, "dog", "d.webp"), 12, 12, (_, _) => new SKColor(10, 200, 10), SKEncodedImageFormat.Webp);
        // 40×20: blue | green (the centred 20×20 square) | red
        Save(Path.Combine(root, "dog", "wide.png"), 40, 20, (x, _) => x < 10 ? new SKColor(0, 0, 255) : x < 30 ? new SKColor(0, 255, 0) : new SKColor(255, 0, 0));
        File.WriteAllText(Path.Combine(root, "dog", "notes.txt"), "not a picture");
        File.WriteAllBytes(Path.Combine(root, "dog", "zero.png"), []);
        File.WriteAllBytes(Path.Combine(root, "dog", "garbage.jpg"), [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))]);
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllText(Path.Combine(root, "empty", "readme.md"), "nothing here");
        Save(Path.Combine(root, ".thumbnails", "t.png"), 4, 4, (_, _) => SKColors.Black);
        return root;
    }

    [Fact]
    public void ScanFindsClassesImagesAndWhatIsLeftOut()
    {
        string root = Tree();
        var e = Assert.Throws<UserErrorException>(() => ImageFolder.Scan(root));
        Assert.Contains("empty", e.Message);

        var folder = ImageFolder.Scan(root, allowEmptyClasses: true);
        Assert.Equal(["cat", "dog"], folder.ClassNames);
        Assert.Equal([3, 4], folder.CountsPerClass());
        Assert.Equal(["empty"], folder.EmptyClasses);
        Assert.Equal(2, folder.NonImages.Count);
        Assert.DoesNotContain(folder.Files, f => f.Path.Contains(".thumbnails"));

        Assert.Contains("does not exist", Assert.Throws<UserErrorException>(() => ImageFolder.Scan(_dir.File("missing"))).Message);
        Directory.CreateDirectory(_dir.File("flat"));
        File.WriteAllText(_dir.File("flat/x.png"), "");
        Assert.Contains("no class folders", Assert.Throws<UserErrorException>(() => ImageFolder.Scan(_dir.File("flat"))).Message);
    }

    [Fact]
    public void ALinkLoopCountsEveryPictureOnceAndALinkedFolderOnce()
    {
        string root = _dir.File("linked");
        Save(Path.Combine(root, "cat", "a.png"), 8, 8, (_, _) => SKColors.Red);
        Save(Path.Combine(root, "cat", "deep", "b.png"), 8, 8, (_, _) => SKColors.Blue);
        // a loop back to the class folder, a loop to the data root, and a second way into "deep"
        Directory.CreateSymbolicLink(Path.Combine(root, "cat", "deep", "again"), Path.Combine(root, "cat"));
        Directory.CreateSymbolicLink(Path.Combine(root, "cat", "up"), root);
        Directory.CreateSymbolicLink(Path.Combine(root, "cat", "deep2"), Path.Combine(root, "cat", "deep"));
        // a folder outside the data, linked in: followed (once)
        Save(_dir.File("elsewhere/c.png"), 8, 8, (_, _) => SKColors.Green);
        Directory.CreateSymbolicLink(Path.Combine(root, "cat", "more"), _dir.File("elsewhere"));

        var folder = ImageFolder.Scan(root);
        Assert.Equal(["cat"], folder.ClassNames);
        Assert.Equal(["a.png", "b.png", "c.png"], folder.Files.Select(f => Path.GetFileName(f.Path)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DecodingCropsTheCentreCompositesOnWhiteAndReadsEveryFormat()
    {
        string root = Tree();
        var wide = ImageDecoder.Load(Path.Combine(root, "dog", "wide.png"), 10, 3);
        Assert.Equal(10 * 10 * 3, wide.Length);
        for (int p = 0; p < 100; p++) Assert.Equal([0, 255, 0], wide[(3 * p)..(3 * p + 3)]);    // only the green centre is left

        var half = ImageDecoder.Load(Path.Combine(root, "cat", "b.png"), 8, 3);
        Assert.Equal([255, 255, 255], half[0..3]);                                               // transparent → white
        Assert.Equal([0, 0, 255], half[(3 * 7)..(3 * 8)]);

        var grey = ImageDecoder.Load(Path.Combine(root, "cat", "a.png"), 4, 1);
        Assert.Equal(16, grey.Length);
        Assert.InRange(grey[5], 65, 67);                                                         // 0.299·200 + 0.587·10 + 0.114·10
        Assert.InRange(ImageDecoder.Load(Path.Combine(root, "cat", "c.JPG"), 4, 3)[0], 120, 136);
        Assert.InRange(ImageDecoder.Load(Path.Combine(root, "dog", "d.webp"), 4, 3)[1], 190, 210);

        Assert.Contains("0 bytes", Assert.Throws<UserErrorException>(() => ImageDecoder.Load(Path.Combine(root, "dog", "zero.png"), 4, 3)).Message);
        var garbage = Assert.Throws<UserErrorException>(() => ImageDecoder.Load(Path.Combine(root, "dog", "garbage.jpg"), 4, 3));
        Assert.Contains("garbage.jpg", garbage.Message);
    }

    [Fact]
    public void BadFilesAreOneSentenceOrSkippedAndCounted()
    {
        var folder = ImageFolder.Scan(Tree(), allowEmptyClasses: true);
        long[] all = [.. Enumerable.Range(0, folder.Files.Count).Select(i => (long)i)];
        var strict = new ImageFolderDataset(folder, 8, 3);
        var e = Assert.Throws<UserErrorException>(() => strict.Batch(all));
        Assert.True(e.Message.Contains("zero.png") || e.Message.Contains("garbage.jpg"), e.Message);

        var lenient = new ImageFolderDataset(folder, 8, 3, skipBad: true);
        using var x = lenient.Batch(all);
        Assert.Equal([7L, 3, 8, 8], x.shape);
        Assert.Equal(2, lenient.BadFiles.Count);
        Assert.True(x.min().item<float>() >= -1f && x.max().item<float>() <= 1f);
        Assert.Equal([0L, 0, 0, 1, 1, 1, 1], lenient.Labels(all));
    }

    [Fact]
    public void PrefetchedBatchesEqualDirectOnesInOrderAndAfterAJump()
    {
        var folder = ImageFolder.Scan(Tree(), allowEmptyClasses: true);
        var data = new ImageFolderDataset(folder, 6, 3, skipBad: true, cacheBytes: 0);
        var sampler = new BatchSampler(folder.Files.Count, 3, seed: 4);
        using var prefetch = data.Prefetch(sampler.Batch, firstStep: 1, depth: 2);
        foreach (var step in new long[] { 1, 2, 3, 7, 8 })
        {
            var (images, labels) = prefetch.Get(step);
            using var expected = data.Batch(sampler.Batch(step));
            Assert.True(images.allclose(expected, rtol: 0, atol: 0), $"step {step}");
            Assert.Equal(data.Labels(sampler.Batch(step)), labels.data<long>().ToArray());
            images.Dispose();
            labels.Dispose();
        }
    }

    [Fact]
    public void TheHeldOutSplitIsStableAndDisjoint()
    {
        var folder = ImageFolder.Scan(Tree(), allowEmptyClasses: true);
        var (train, test) = folder.Split(0.4);
        var again = folder.Split(0.4);
        Assert.Equal(test.Files, again.Test.Files);
        Assert.Empty(train.Files.Intersect(test.Files));
        Assert.Equal(folder.Files.Count, train.Files.Count + test.Files.Count);
        Assert.Equal(folder.ClassNames, test.ClassNames);
    }

    [Fact]
    public void InMemoryCopyHoldsTheDecodedImages()
    {
        var folder = ImageFolder.Scan(Tree(), allowEmptyClasses: true);
        var data = new ImageFolderDataset(folder, 5, 3, skipBad: true);
        var memory = data.ToMemory();
        Assert.Equal((7, 5, 5, 3), (memory.Count, memory.Height, memory.Width, memory.Channels));
        long[] idx = [0, 4, 6];
        using var a = memory.Batch(idx);
        using var b = data.Batch(idx);
        Assert.True(a.allclose(b, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void InspectPrintsClassesSizesAndUnreadableFiles()
    {
        string root = Tree();
        var (code, output, _) = Repo.Resgen("data", "inspect", root);
        int missing = Repo.Resgen("data", "inspect", _dir.File("nope")).Code;
        Assert.Equal(0, code);
        var text = output;
        Assert.Contains("2 classes, 7 images", text);
        Assert.Contains("unreadable files: 2", text);
        Assert.Contains("garbage.jpg", text);
        Assert.Contains("non-image files (left out): 2", text);
        Assert.Contains("no image: left out", text);
        Assert.Equal(CliApp.UserError, missing);
    }

    [Fact]
    public void DataSetsReadAnImageFolderAsTrainAndTestSplitsAtTheModelsSize()
    {
        string root = Tree();
        var options = new ImageFolderOptions { HeldOut = 0.4, SkipBad = true, SkipEmptyClasses = true };
        var train = DataSets.Load(root, "train", null, 8, 3, options);
        var test = DataSets.Load(root, "test", null, 8, 3, options);
        Assert.Equal(7, train.Count + test.Count);
        Assert.True(test.Count > 0 && train.Count > 0);
        Assert.Equal((8, 8, 3), (train.Height, train.Width, train.Channels));
        Assert.Equal(["cat", "dog"], train.ClassNames);
        Assert.Equal(2, DataSets.Load(root, "train", 2, 8, 3, options).Count);

        Assert.False(DataSets.IsFashionMnist(root));
        Assert.True(DataSets.IsFashionMnist(null));
        var grey = Assert.Throws<UserErrorException>(() => DataSets.Load(null, "train", 1, 32, 3));
        Assert.Contains("28×28 grey", grey.Message);
        Assert.Contains("empty", Assert.Throws<UserErrorException>(() => DataSets.Load(root, "train", null, 8, 3)).Message);
    }

    [Fact]
    public void TheTokenizerVerbsAndGeneratorTrainingRunOnAnImageFolder()
    {
        string root = Tree();
        string tok = _dir.File("tok"), tokens = _dir.File("tokens.safetensors");
        string[] folder = ["--data", root, "--skip-bad", "--skip-empty-classes", "--held-out", "0.3"];
        void Ok((int Code, string Out, string Err) r) => Assert.True(r.Code == 0, $"exit {r.Code}\n{r.Out}\n{r.Err}");

        Ok(Repo.Resgen(["tokenizer", "train", "--config", Path.Combine(Repo.Root(), "configs/tokenizer-tiny.json"), "--set", "model.image_size=16",
                        "--set", "model.channels=3", "--set", "train.steps=4", "--set", "train.batch_size=4", "--out", tok, "--threads", "1", .. folder]));
        Ok(Repo.Resgen(["tokenizer", "eval", "--checkpoint", Path.Combine(tok, "model"), "--out-dir", _dir.File("tok-eval"), .. folder]));
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(_dir.File("tok-eval/report.json"))))
            Assert.All(report.RootElement.GetProperty("depths").EnumerateArray(), d => Assert.InRange(d.GetProperty("ssim").GetDouble(), -1, 1));
        Ok(Repo.Resgen(["tokenizer", "encode", "--checkpoint", Path.Combine(tok, "model"), "--out", tokens, .. folder]));
        var cache = TokenCache.Read(tokens);
        Assert.Equal((4, 4), (cache.GridHeight, cache.GridWidth));
        Assert.Contains("\"class_names\":[\"cat\",\"dog\"]", cache.Metadata);
        Ok(Repo.Resgen("train", "--tokens", tokens, "--tokenizer", Path.Combine(tok, "model"), "--config", Path.Combine(Repo.Root(), "configs/resgen-tiny.json"),
                       "--set", "train.steps=3", "--set", "model.classes=2", "--out", _dir.File("gen"), "--threads", "1"));
        // classes by folder name, grids labelled with them
        Ok(Repo.Resgen("sample", "--checkpoint", _dir.File("gen/model"), "--tokenizer", Path.Combine(tok, "model"), "--class", "dog", "--count", "2", "--out-dir", _dir.File("s")));
        Assert.True(File.Exists(_dir.File("s/c1_0001.png")));
        var cow = Repo.Resgen("sample", "--checkpoint", _dir.File("gen/model"), "--tokenizer", Path.Combine(tok, "model"), "--class", "cow", "--out-dir", _dir.File("s2"));
        Assert.Equal(CliApp.UserError, cow.Code);
        Assert.Contains("dog", cow.Err);

        // a classifier of the folder's classes scores the generator on the held-out split
        string clf = _dir.File("clf");
        Ok(Repo.Resgen(["classifier", "train", "--config", Path.Combine(Repo.Root(), "configs/classifier.json"), "--set", "model.image_size=16", "--set", "model.channels=3",
                        "--set", "model.classes=2", "--set", "model.hidden_channels=[4,8]", "--set", "train.steps=3", "--set", "train.batch_size=4", "--set", "train.eval_every=0",
                        "--out", clf, "--threads", "1", .. folder]));
        Ok(Repo.Resgen(["classifier", "eval", "--checkpoint", Path.Combine(clf, "model"), "--floor-images", "2", "--out-dir", _dir.File("clf-eval"), .. folder]));
        var eval = Repo.Resgen(["eval", "--checkpoint", _dir.File("gen/model"), "--tokenizer", Path.Combine(tok, "model"), "--classifier", Path.Combine(clf, "model"),
                                "--count", "2", "--no-timing", "--out-dir", _dir.File("eval"), .. folder]);
        Ok(eval);
        Assert.Contains("class accuracy", eval.Out);
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(_dir.File("eval/report.json"))))
        {
            var names = report.RootElement.GetProperty("per_class_accuracy").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
            Assert.Equal(new[] { "cat", "dog" }, names);                                 // the folders' names, not "class 0"
        }
        var fashionClassifier = Repo.Resgen(["eval", "--checkpoint", _dir.File("gen/model"), "--tokenizer", Path.Combine(tok, "model"), "--count", "1", "--no-timing",
                                             "--classifier", Path.Combine(Repo.Root(), "models/classifier"), "--out-dir", _dir.File("eval2"), .. folder]);
        Assert.Equal(CliApp.UserError, fashionClassifier.Code);                // 28 px grey, ten classes: not this data

        // a Fashion-MNIST-shaped tokenizer cannot read RGB clip art and says so
        var grey = Repo.Resgen(["tokenizer", "train", "--config", Path.Combine(Repo.Root(), "configs/tokenizer-tiny.json"), "--set", "train.steps=1", "--out", _dir.File("t2"), "--data", "/nonexistent-data"]);
        Assert.Equal(CliApp.UserError, grey.Code);
    }
}
