using ResGen.Imaging;
using SkiaSharp;

namespace ResGen.Tests.Imaging;

// ScottPlot keeps fonts in global lists that LinePlot extends once; tests that draw with it run one at a time.
[Collection("ScottPlot")]
public sealed class LinePlotTests : IDisposable
{
    // The first colours of the Category10 palette, in the order series are added.
    private static readonly SKColor FirstSeriesColor = new(0x1f, 0x77, 0xb4);
    private static readonly SKColor SecondSeriesColor = new(0xff, 0x7f, 0x0e);
    private static readonly SKColor ThirdSeriesColor = new(0x2c, 0xa0, 0x2c);

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static LinePlot Sample(bool logX = false) =>
        new LinePlot("PSNR vs depth", "depth", "PSNR (dB)", logX: logX, width: 400, height: 300)
            .Add("train", [1, 2, 4, 8], [20, 24, 27, 29])
            .Add("test", [1, 2, 4, 8], [19, 23, 25, 26], PlotStyle.Markers);

    private SKBitmap SaveAndDecode(LinePlot plot, string name = "plot.png")
    {
        string path = temp.File(name);
        plot.Save(path);
        Assert.True(File.Exists(path));
        return SKBitmap.Decode(path) ?? throw new InvalidOperationException($"{path} is not a readable image.");
    }

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

    private static bool Dark(SKBitmap b, int x, int y) => b.GetPixel(x, y).Red < 100;

    // The frame of the data area: the first row and column that are dark along most of their length.
    private static int FrameTop(SKBitmap b) =>
        Enumerable.Range(0, b.Height).First(y => Enumerable.Range(0, b.Width).Count(x => Dark(b, x, y)) > b.Width / 2);

    private static int FrameLeft(SKBitmap b) =>
        Enumerable.Range(0, b.Width).First(x => Enumerable.Range(0, b.Height).Count(y => Dark(b, x, y)) > b.Height / 2);

    // Ink above the frame (the title) and left of the tick marks (tick labels and the y label).
    private static int InkOutsideFrame(SKBitmap b)
    {
        int top = FrameTop(b);
        int left = FrameLeft(b) - 8;
        int above = Enumerable.Range(0, top).Sum(y => Enumerable.Range(0, b.Width).Count(x => Dark(b, x, y)));
        int beside = Enumerable.Range(0, left).Sum(x => Enumerable.Range(0, b.Height).Count(y => Dark(b, x, y)));
        return above + beside;
    }

    [Fact]
    public void Save_WritesADecodablePngOfTheRequestedSize()
    {
        using var bitmap = SaveAndDecode(Sample(), "plots/psnr.png");

        Assert.Equal((400, 300), (bitmap.Width, bitmap.Height));
        Assert.Single(Directory.GetFiles(temp.File("plots")));
    }

    [Fact]
    public void Save_DefaultSizeIs720By480()
    {
        using var bitmap = SaveAndDecode(new LinePlot().Add("a", [0, 1], [0, 1]));

        Assert.Equal((720, 480), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Save_DrawsEverySeriesInItsOwnColour()
    {
        using var bitmap = SaveAndDecode(Sample());

        Assert.True(Count(bitmap, FirstSeriesColor) > 50, "the line series should be visible");
        Assert.True(Count(bitmap, SecondSeriesColor) > 10, "the marker series should be visible");
        Assert.Equal(0, Count(bitmap, ThirdSeriesColor));
    }

    [Fact]
    public void Save_LogAxesSkipNonPositiveAndNonFinitePoints()
    {
        var plot = new LinePlot("loss", "step", "loss", logX: true, logY: true, width: 300, height: 200)
            .Add("loss", [0, -1, 1, 10, 100, 1000, double.PositiveInfinity], [5, 4, 3, double.NaN, 2, 1, 1])
            .Add("nothing to show", [0, -2], [1, 1]);

        using var bitmap = SaveAndDecode(plot);

        Assert.Equal((300, 200), (bitmap.Width, bitmap.Height));
        Assert.True(Count(bitmap, FirstSeriesColor) > 10);
    }

    [Fact]
    public void Save_EmptyPlotStillWritesAFramedPicture()
    {
        using var bitmap = SaveAndDecode(new LinePlot(logY: true, width: 200, height: 150));

        Assert.Equal((200, 150), (bitmap.Width, bitmap.Height));
        Assert.InRange(FrameTop(bitmap), 1, bitmap.Height / 2);
    }

    [Fact]
    public void Save_ReplacesAnExistingFileWithoutWritingIntoIt()
    {
        string path = temp.File("plot.png");
        File.WriteAllText(path, "old picture");
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        Sample().Save(path);

        // A reader of the old file still sees all of it: the new one was renamed over it, not written into it.
        Assert.Equal("old picture", new StreamReader(reader).ReadToEnd());
        using var decoded = SKBitmap.Decode(path);
        Assert.Equal(400, decoded.Width);
    }

    [Fact]
    public void Save_LeavesNothingBehindWhenTheFileCannotBeWritten()
    {
        string path = temp.File("out/plot.png");
        Directory.CreateDirectory(path); // a folder where the picture should go

        var e = Assert.Throws<UserErrorException>(() => Sample().Save(path));      // refused before anything is written
        Assert.Contains("is a folder", e.Message);

        Assert.Empty(Directory.GetFiles(temp.File("out")));
        Assert.Empty(Directory.GetFileSystemEntries(path));
    }

    [Fact]
    public void Build_LogAxisTickLabelsReadAsRealValues()
    {
        var plot = new LinePlot(logX: true, logY: true).Add("loss", [1, 10, 100, 1000], [3, 4, 5, 6]);

        using var built = plot.Build(withText: true);
        built.GetImageBytes(720, 480, ScottPlot.ImageFormat.Png);

        var xLabels = built.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label).ToList();
        var yLabels = built.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label).ToList();
        Assert.Equal(["1", "10", "100", "1000"], xLabels);
        Assert.Equal(["3", "4", "5", "6"], yLabels); // less than a decade: every whole multiple
    }

    [Fact]
    public void RenderPng_WithoutFontStillDrawsTheDataButNoText()
    {
        using var bitmap = SKBitmap.Decode(Sample().RenderPng(withText: false));

        Assert.Equal((400, 300), (bitmap.Width, bitmap.Height));
        Assert.True(Count(bitmap, FirstSeriesColor) > 50);
        Assert.Equal(0, InkOutsideFrame(bitmap));
    }

    [FontAvailableFact]
    public void RenderPng_WithFontDrawsTextInTheFontFound()
    {
        using var bitmap = SKBitmap.Decode(Sample().RenderPng(withText: true));
        using var built = Sample().Build(withText: true);

        Assert.True(InkOutsideFrame(bitmap) > 100, "the title, y label and tick labels should leave ink");
        string fontName = built.Axes.Left.TickLabelStyle.FontName;
        Assert.Same(Fonts.Typeface, ScottPlot.Fonts.GetTypeface(fontName, bold: false, italic: false));
        Assert.Equal(fontName, built.Axes.Title.Label.FontName);
        Assert.Equal(fontName, built.Legend.FontName);
    }

    [Fact]
    public void QuietestCorner_AvoidsThePoints()
    {
        var limits = new ScottPlot.AxisLimits(0, 10, 0, 10);

        Assert.Equal(ScottPlot.Alignment.UpperRight, LinePlot.QuietestCorner([], limits));
        Assert.Equal(ScottPlot.Alignment.UpperLeft, LinePlot.QuietestCorner([(9, 9), (9, 1), (1, 1)], limits));
        Assert.Equal(ScottPlot.Alignment.LowerLeft, LinePlot.QuietestCorner([(9, 9), (1, 9), (9, 1)], limits));
    }

    [Fact]
    public void Add_MismatchedLengthsThrowNamingTheSeries()
    {
        var error = Assert.Throws<ArgumentException>(() => new LinePlot().Add("loss", [1, 2], [1]));

        Assert.Contains("'loss' has 2 x values but 1 y values", error.Message);
    }

    [Fact]
    public void Add_UnknownStyleIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinePlot().Add("loss", [1], [1], (PlotStyle)7));
    }

    [Fact]
    public void Constructor_RejectsTinyPictures()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinePlot(width: 50, height: 50));
    }
}
