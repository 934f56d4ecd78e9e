using ResGen.Imaging;
using SkiaSharp;
using TorchSharp;

namespace ResGen.Tests.Imaging;

[Collection(TorchCollection.Name)]
public sealed class ImageGridTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>N grey 2x2 images: top-left pixel black (-1), the rest white (1).</summary>
    private static torch.Tensor Checkers(int n)
    {
        var images = torch.ones([n, 1, 2, 2]);
        images[.., .., 0, 0] = torch.tensor(-1f);
        return images;
    }

    [Fact]
    public void Render_SizeFollowsColumnsScaleAndPadding()
    {
        using var images = Checkers(5);
        using var bitmap = ImageGrid.Render(images, columns: 3, scale: 3, padding: 1);

        // 3 columns of 6 px plus 4 gaps; 2 rows of 6 px plus 3 gaps.
        Assert.Equal(1 + 3 * (6 + 1), bitmap.Width);
        Assert.Equal(1 + 2 * (6 + 1), bitmap.Height);
    }

    [Fact]
    public void Render_EnlargesWithNearestNeighbour()
    {
        using var images = Checkers(1);
        using var bitmap = ImageGrid.Render(images, columns: 1, scale: 3, padding: 0);

        for (int y = 0; y < 6; y++)
        {
            for (int x = 0; x < 6; x++)
            {
                byte expected = x < 3 && y < 3 ? (byte)0 : (byte)255;
                Assert.Equal(new SKColor(expected, expected, expected), bitmap.GetPixel(x, y));
            }
        }
    }

    [Fact]
    public void Render_KeepsRgbChannelsAndClampsOutOfRangeValues()
    {
        using var image = torch.tensor(new float[] { 3f, -1f, -5f }, [1, 3, 1, 1]);
        using var bitmap = ImageGrid.Render(image, columns: 1, padding: 0);

        Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(0, 0));
    }

    [Fact]
    public void Render_MidGreyMapsToMiddleByte()
    {
        using var image = torch.zeros([1, 1, 1, 1]);
        using var bitmap = ImageGrid.Render(image, columns: 1, padding: 0);

        Assert.InRange(bitmap.GetPixel(0, 0).Red, (byte)127, (byte)128);
    }

    [FontAvailableFact]
    public void Render_LabelsAddMarginsWithInkWhenAFontExists()
    {
        using var images = torch.ones([4, 1, 8, 8]);
        using var plain = ImageGrid.Render(images, columns: 2, scale: 2, padding: 2);
        using var labelled = ImageGrid.Render(images, columns: 2, scale: 2, padding: 2,
                                              rowLabels: ["Sneaker", "Bag"], columnLabels: ["d=1", "d=2"]);

        int extraWidth = labelled.Width - plain.Width;
        int extraHeight = labelled.Height - plain.Height;
        Assert.InRange(extraWidth, 20, 200);
        Assert.InRange(extraHeight, 8, 60);
        Assert.True(CountInk(labelled, new SKRectI(0, extraHeight, extraWidth, labelled.Height)) > 10,
                    "row labels should leave dark pixels in the left margin");
        Assert.True(CountInk(labelled, new SKRectI(extraWidth, 0, labelled.Width, extraHeight)) > 5,
                    "column headers should leave dark pixels in the top margin");
    }

    private static int CountInk(SKBitmap bitmap, SKRectI area)
    {
        int ink = 0;
        for (int y = area.Top; y < area.Bottom; y++)
        {
            for (int x = area.Left; x < area.Right; x++)
            {
                ink += bitmap.GetPixel(x, y).Red < 128 ? 1 : 0;
            }
        }
        return ink;
    }

    [Fact]
    public void Render_WithoutFontLeavesLabelsOutInsteadOfFailing()
    {
        using var images = Checkers(4);
        using var plain = ImageGrid.Render(images, 2, 2, 2, null, null, 12f, typeface: null);
        using var labelled = ImageGrid.Render(images, 2, 2, 2, ["one", "two"], ["a", "b"], 12f, typeface: null);

        Assert.Equal((plain.Width, plain.Height), (labelled.Width, labelled.Height));
    }

    [Fact]
    public void Render_WrongNumberOfRowLabelsThrows()
    {
        using var images = Checkers(4);

        var error = Assert.Throws<ArgumentException>(() => ImageGrid.Render(images, 2, rowLabels: ["only one"]));

        Assert.Contains("make 2 rows", error.Message);
    }

    [Fact]
    public void Render_RejectsTwoChannelImages()
    {
        using var images = torch.zeros([1, 2, 2, 2]);

        var error = Assert.Throws<ArgumentException>(() => ImageGrid.Render(images, 1));

        Assert.Contains("1 or 3 channels, got 2", error.Message);
    }

    [Fact]
    public void Save_WritesADecodablePngAndNoTemporaryFile()
    {
        using var images = Checkers(6);
        string path = Path.Combine(temp.Path, "sub", "grid.png");

        ImageGrid.Save(images, path, columns: 3, scale: 4, padding: 2, rowLabels: ["r0", "r1"], columnLabels: ["x", "y", "z"]);

        using var decoded = SKBitmap.Decode(path);
        Assert.NotNull(decoded);
        Assert.True(decoded.Width >= 2 + 3 * (8 + 2));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void SavePng_WritesOneEnlargedImage()
    {
        using var image = torch.ones([3, 4, 5]);
        string path = temp.File("one.png");

        ImageGrid.SavePng(image, path, scale: 2);

        using var decoded = SKBitmap.Decode(path);
        Assert.Equal((10, 8), (decoded.Width, decoded.Height));
        Assert.Equal(SKColors.White, decoded.GetPixel(9, 7));
    }

    [Fact]
    public void SavePng_RejectsABatch()
    {
        using var images = Checkers(2);

        Assert.Throws<ArgumentException>(() => ImageGrid.SavePng(images, temp.File("x.png")));
    }

    /// <summary>A batch written in parallel gives each file the bytes one image at a time gives it.</summary>
    [Fact]
    public void SavePngs_WritesEachImageAsSavePngDoes()
    {
        using var images = torch.rand([40, 3, 5, 7], generator: new torch.Generator(3)) * 2 - 1;
        var paths = Enumerable.Range(0, 40).Select(i => temp.File($"b{i}.png")).ToArray();
        ImageGrid.SavePngs(images, paths);
        for (int i = 0; i < 40; i++)
        {
            ImageGrid.SavePng(images[i], temp.File($"a{i}.png"));
            Assert.Equal(File.ReadAllBytes(temp.File($"a{i}.png")), File.ReadAllBytes(paths[i]));
        }
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
        Assert.Throws<ArgumentException>(() => ImageGrid.SavePngs(images, paths[..3]));
    }
}
