using ResGen.Imaging;
using SkiaSharp;

namespace ResGen.Tests.Imaging;

public sealed class LinePlotTests : IDisposable
{
    private static readonly SKColor FirstSeriesColor = new(0x1f, 0x77, 0xb4);
    private static readonly SKColor SecondSeriesColor = new(0xff, 0x7f, 0x0e);

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static LinePlot Sample(bool logX = false) =>
        new LinePlot("PSNR vs depth", "depth", "PSNR (dB)", logX: logX, width: 400, height: 300)
            .Add("train", [1, 2, 4, 8], [20, 24, 27, 29])
            .Add("test", [1, 2, 4, 8], [19, 23, 25, 26], PlotStyle.Markers);

    private static int Count(SKBitmap bitmap, SKColor color)
    {
        int hits = 0;
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                hits += bitmap.GetPixel(x, y) == color ? 1 : 0;
            }
        }
        return hits;
    }

    [Fact]
    public void Render_DrawsEverySeriesInItsColour()
    {
        using var bitmap = Sample().Render();

        Assert.Equal((400, 300), (bitmap.Width, bitmap.Height));
        Assert.True(Count(bitmap, FirstSeriesColor) > 50, "the line series should be visible");
        Assert.True(Count(bitmap, SecondSeriesColor) > 10, "the marker series should be visible");
    }

    [Fact]
    public void Render_LogXSkipsNonPositivePointsAndNaNGaps()
    {
        var plot = new LinePlot(logX: true, width: 300, height: 200)
            .Add("loss", [0, 1, 10, 100, 1000], [5, 4, double.NaN, 2, 1]);

        using var bitmap = plot.Render();

        Assert.True(Count(bitmap, FirstSeriesColor) > 10);
    }

    [Fact]
    public void Render_EmptyPlotStillHasAFrame()
    {
        using var bitmap = new LinePlot(width: 200, height: 150).Render();

        int framePixels = Enumerable.Range(0, bitmap.Height).Count(y => bitmap.GetPixel(100, y).Red < 100);
        Assert.InRange(framePixels, 2, 10); // top and bottom edges of the frame, little else

    }

    [Fact]
    public void Render_WithoutFontStillDrawsTheData()
    {
        using var bitmap = Sample().Render(typeface: null);

        Assert.True(Count(bitmap, FirstSeriesColor) > 50);
    }

    [FontAvailableFact]
    public void Render_WithFontMakesRoomForTickLabelsAndText()
    {
        using var withText = Sample().Render();
        using var withoutText = Sample().Render(typeface: null);

        // The frame's left edge is the first column that is mostly dark.
        int FrameLeft(SKBitmap b) => Enumerable.Range(0, b.Width)
            .First(x => Enumerable.Range(0, b.Height).Count(y => b.GetPixel(x, y).Red < 100) > b.Height / 2);
        // Ink left of the tick marks: tick labels and the rotated y label.
        int InkLeftOfTicks(SKBitmap b) => Enumerable.Range(0, FrameLeft(b) - 6)
            .Sum(x => Enumerable.Range(0, b.Height).Count(y => b.GetPixel(x, y).Red < 100));

        Assert.True(FrameLeft(withText) > FrameLeft(withoutText) + 10, "tick labels and the y label need a wider left margin");
        Assert.Equal(0, InkLeftOfTicks(withoutText));
        Assert.True(InkLeftOfTicks(withText) > 50, "the y label and tick labels should leave ink");
    }

    [Fact]
    public void Save_WritesADecodablePng()
    {
        string path = temp.File("plots/psnr.png");

        Sample(logX: true).Save(path);

        using var decoded = SKBitmap.Decode(path);
        Assert.Equal((400, 300), (decoded.Width, decoded.Height));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Add_MismatchedLengthsThrowNamingTheSeries()
    {
        var error = Assert.Throws<ArgumentException>(() => new LinePlot().Add("loss", [1, 2], [1]));

        Assert.Contains("'loss' has 2 x values but 1 y values", error.Message);
    }

    [Fact]
    public void Constructor_RejectsTinyPictures()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinePlot(width: 50, height: 50));
    }
}
