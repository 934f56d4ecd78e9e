using ResGen.Data;

namespace ResGen.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private string ImagesFile(string prefix = "t10k") => temp.File($"{prefix}-images-idx3-ubyte.gz");

    private string LabelsFile(string prefix = "t10k") => temp.File($"{prefix}-labels-idx1-ubyte.gz");

    [Fact]
    public void Load_ReadsPixelsLabelsAndShape()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 5, height: 4, width: 3);

        var data = FashionMnist.Load("test", temp.Path);

        Assert.Equal((5, 4, 3, 1), (data.Count, data.Height, data.Width, data.Channels));
        Assert.Equal(5 * 4 * 3, data.Pixels.Length);
        Assert.Equal(7, data.Pixels[1]);
        Assert.Equal((byte)(59 * 7 % 256), data.Pixels[59]);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, data.Labels);
        Assert.Equal(FashionMnist.ClassNames, data.ClassNames);
    }

    [Fact]
    public void Load_TrainSplitUsesTrainFiles()
    {
        IdxWriter.WriteSplit(temp.Path, "train", count: 3, height: 2, width: 2);

        Assert.Equal(3, FashionMnist.Load("train", temp.Path).Count);
    }

    [Fact]
    public void Load_WithLimitKeepsTheFirstImages()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 6, height: 2, width: 2);

        var data = FashionMnist.Load("test", temp.Path, limit: 2);

        Assert.Equal(2, data.Count);
        Assert.Equal(8, data.Pixels.Length);
        Assert.Equal(new byte[] { 0, 1 }, data.Labels);
    }

    [Fact]
    public void Load_LimitAboveCountReadsEverything()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 3, height: 2, width: 2);

        Assert.Equal(3, FashionMnist.Load("test", temp.Path, limit: 100).Count);
    }

    [Fact]
    public void Load_MissingFileNamesPathAndHowToInstall()
    {
        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains(ImagesFile(), error.Message);
        Assert.Contains("install it with: sudo apt-get install dataset-fashion-mnist (or pass --data DIR)", error.Message);
    }

    [Fact]
    public void Load_MissingLabelFileIsNamed()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 2, height: 2, width: 2);
        File.Delete(LabelsFile());

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains(LabelsFile(), error.Message);
    }

    [Fact]
    public void Load_WrongMagicNumberIsReported()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 2, height: 2, width: 2);
        File.WriteAllBytes(ImagesFile(), IdxWriter.Gzip(IdxWriter.Raw([2, 2, 2], new byte[8], magic: 0x00000801)));

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains(ImagesFile(), error.Message);
        Assert.Contains("magic number 0x00000801", error.Message);
    }

    [Fact]
    public void Load_LabelFileGivenAsImageFileIsRejectedByMagic()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 2, height: 2, width: 2);
        File.Copy(LabelsFile(), ImagesFile(), overwrite: true);

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains("magic number", error.Message);
    }

    [Fact]
    public void Load_TruncatedDataIsReported()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 2, height: 2, width: 2);
        File.WriteAllBytes(ImagesFile(), IdxWriter.Gzip(IdxWriter.Raw([3, 2, 2], new byte[10])));

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains(ImagesFile(), error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("only 10 bytes", error.Message);
    }

    [Fact]
    public void Load_TruncatedHeaderIsReported()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 2, height: 2, width: 2);
        byte[] raw = IdxWriter.Raw([2, 2, 2], new byte[8]);
        File.WriteAllBytes(ImagesFile(), IdxWriter.Gzip(raw[..9]));

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Load_CutGzipStreamIsReported()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 200, height: 28, width: 28);
        byte[] whole = File.ReadAllBytes(ImagesFile());
        File.WriteAllBytes(ImagesFile(), whole[..(whole.Length / 2)]);

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains(ImagesFile(), error.Message);
        Assert.Matches("truncated|corrupt", error.Message);
    }

    [Fact]
    public void Load_UncompressedFileIsReportedAsNotGzip()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 2, height: 2, width: 2);
        File.WriteAllBytes(LabelsFile(), IdxWriter.Raw([2], [0, 1]));

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains(LabelsFile(), error.Message);
        Assert.Contains("not gzip", error.Message);
    }

    [Fact]
    public void Load_MismatchedCountsNameBothFiles()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 5, height: 2, width: 2);
        File.WriteAllBytes(LabelsFile(), IdxWriter.Gzip(IdxWriter.Raw([4], [0, 1, 2, 3])));

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains(ImagesFile(), error.Message);
        Assert.Contains(LabelsFile(), error.Message);
        Assert.Contains("5 images", error.Message);
        Assert.Contains("4 labels", error.Message);
    }

    [Fact]
    public void Load_LabelOutsideTheTenClassesIsReported()
    {
        IdxWriter.WriteSplit(temp.Path, "t10k", count: 3, height: 2, width: 2, label: i => (byte)(i == 2 ? 12 : 0));

        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path));

        Assert.Contains("label 12 at position 2", error.Message);
    }

    [Theory]
    [InlineData("validation")]
    [InlineData("")]
    public void Load_UnknownSplitIsAUserError(string split)
    {
        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load(split, temp.Path));

        Assert.Contains("'train' or 'test'", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Load_NonPositiveLimitIsAUserError(int limit)
    {
        var error = Assert.Throws<UserErrorException>(() => FashionMnist.Load("test", temp.Path, limit));

        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void FilesFor_DefaultsToTheDebianDirectory()
    {
        var (images, labels) = FashionMnist.FilesFor("train");

        Assert.Equal("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", images);
        Assert.Equal("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz", labels);
    }
}
