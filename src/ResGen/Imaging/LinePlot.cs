using SkiaSharp;

namespace ResGen.Imaging;

/// <summary>
/// A small line / scatter plot written to PNG: a frame with tick labels and grid lines, any
/// number of named series with a legend, optional logarithmic axes, a title and axis labels.
/// Meant for quick diagnostics such as "PSNR vs depth" or "loss vs step".
/// </summary>
/// <example>
/// <code>
/// new LinePlot("Reconstruction", "depth", "PSNR (dB)")
///     .Add("val", depths, psnr)
///     .Save("runs/psnr.png");
/// </code>
/// </example>
public sealed class LinePlot
{
    private const float Pad = 10f;
    private const float TickLength = 5f;
    private const float MarkerRadius = 3f;

    private static readonly SKColor[] Palette =
    [
        new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c), new(0xd6, 0x27, 0x28),
        new(0x94, 0x67, 0xbd), new(0x8c, 0x56, 0x4b), new(0xe3, 0x77, 0xc2), new(0x7f, 0x7f, 0x7f),
        new(0xbc, 0xbd, 0x22), new(0x17, 0xbe, 0xcf),
    ];

    private readonly List<PlotSeries> series = [];

    /// <summary>Creates an empty plot.</summary>
    /// <param name="title">Text above the plot; null for none.</param>
    /// <param name="xLabel">Text under the x axis; null for none.</param>
    /// <param name="yLabel">Text beside the y axis; null for none.</param>
    /// <param name="logX">Logarithmic x axis (points with x &lt;= 0 are skipped).</param>
    /// <param name="logY">Logarithmic y axis (points with y &lt;= 0 are skipped).</param>
    /// <param name="width">Picture width in pixels (at least 160).</param>
    /// <param name="height">Picture height in pixels (at least 120).</param>
    public LinePlot(string? title = null, string? xLabel = null, string? yLabel = null,
                    bool logX = false, bool logY = false, int width = 720, int height = 480)
    {
        if (width < 160 || height < 120)
        {
            throw new ArgumentOutOfRangeException(
                nameof(width), $"A plot must be at least 160x120 pixels, got width={width}, height={height}.");
        }
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        LogX = logX;
        LogY = logY;
        Width = width;
        Height = height;
    }

    /// <summary>Text above the plot.</summary>
    public string? Title { get; }

    /// <summary>Text under the x axis.</summary>
    public string? XLabel { get; }

    /// <summary>Text beside the y axis.</summary>
    public string? YLabel { get; }

    /// <summary>Whether the x axis is logarithmic.</summary>
    public bool LogX { get; }

    /// <summary>Whether the y axis is logarithmic.</summary>
    public bool LogY { get; }

    /// <summary>Picture width in pixels.</summary>
    public int Width { get; }

    /// <summary>Picture height in pixels.</summary>
    public int Height { get; }

    /// <summary>The series added so far, in drawing (and legend) order.</summary>
    public IReadOnlyList<PlotSeries> Series => series;

    /// <summary>Adds a series; returns this plot so calls can be chained.</summary>
    /// <param name="name">Legend text.</param>
    /// <param name="x">X coordinates.</param>
    /// <param name="y">Y coordinates, as many as <paramref name="x"/>; NaN or infinite values leave a gap.</param>
    /// <param name="style">Lines, markers or both.</param>
    /// <returns>This plot.</returns>
    public LinePlot Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, PlotStyle style = PlotStyle.LineAndMarkers)
        => Add(new PlotSeries(name, x, y, style));

    /// <summary>Adds a series; returns this plot so calls can be chained.</summary>
    /// <param name="item">The series.</param>
    /// <returns>This plot.</returns>
    public LinePlot Add(PlotSeries item)
    {
        ArgumentNullException.ThrowIfNull(item);
        series.Add(item);
        return this;
    }

    /// <summary>Draws the plot; the caller disposes the bitmap. Text is left out when no font is usable.</summary>
    /// <returns>The rendered plot.</returns>
    public SKBitmap Render() => Render(Fonts.Typeface);

    /// <summary>Renders the plot and writes it to <paramref name="path"/> as PNG (atomically).</summary>
    /// <param name="path">Destination .png file; its folder is created if needed.</param>
    public void Save(string path)
    {
        using var bitmap = Render();
        PngFile.Write(bitmap, path);
    }

    internal SKBitmap Render(SKTypeface? typeface)
    {
        var xAxis = PlotAxis.Create(PlottablePoints().Select(p => p.X), LogX);
        var yAxis = PlotAxis.Create(PlottablePoints().Select(p => p.Y), LogY);
        using var tickFont = Fonts.CreateFont(typeface, 12);
        using var labelFont = Fonts.CreateFont(typeface, 14);
        using var titleFont = Fonts.CreateFont(typeface, 16);

        var frame = FrameRect(xAxis, yAxis, tickFont, labelFont, titleFont);
        SKPoint ToPixel(double x, double y) => new(
            frame.Left + (float)(xAxis.Fraction(x) * frame.Width),
            frame.Bottom - (float)(yAxis.Fraction(y) * frame.Height));

        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        PlotFrame.Draw(canvas, frame, xAxis, yAxis, tickFont, TickLength);

        canvas.Save();
        canvas.ClipRect(SKRect.Inflate(frame, MarkerRadius + 1, MarkerRadius + 1));
        var pixelPoints = new List<SKPoint>();
        for (int s = 0; s < series.Count; s++)
        {
            pixelPoints.AddRange(DrawSeries(canvas, series[s], Palette[s % Palette.Length], ToPixel));
        }
        canvas.Restore();

        if (tickFont is not null)
        {
            PlotFrame.DrawTexts(canvas, frame, Title, XLabel, YLabel, tickFont, labelFont!, titleFont!, Pad, TickLength);
            var entries = series.Select((item, s) => (item.Name, Palette[s % Palette.Length], item.Style)).ToList();
            PlotLegend.Draw(canvas, frame, entries, tickFont, pixelPoints);
        }
        return bitmap;
    }

    private IEnumerable<(double X, double Y)> PlottablePoints() =>
        series.SelectMany(item => item.X.Zip(item.Y))
              .Where(p => PlotAxis.Plottable(p.First, LogX) && PlotAxis.Plottable(p.Second, LogY))
              .Select(p => (p.First, p.Second));

    private SKRect FrameRect(PlotAxis xAxis, PlotAxis yAxis, SKFont? tickFont, SKFont? labelFont, SKFont? titleFont)
    {
        float left = Pad + TickLength;
        float bottom = Pad + TickLength;
        float top = Pad;
        float right = Pad * 2;
        if (tickFont is not null && labelFont is not null && titleFont is not null)
        {
            left += yAxis.Ticks.Select(t => tickFont.MeasureText(yAxis.Format(t))).DefaultIfEmpty(0).Max() + 4;
            bottom += tickFont.Spacing + 2;
            if (YLabel is not null)
            {
                left += labelFont.Spacing + 4;
            }
            if (XLabel is not null)
            {
                bottom += labelFont.Spacing + 4;
            }
            if (Title is not null)
            {
                top += titleFont.Spacing + 4;
            }
            // Leave room for the last x tick label, which is centred on the right edge.
            right += xAxis.Ticks.Select(t => tickFont.MeasureText(xAxis.Format(t))).DefaultIfEmpty(0).Max() / 2;
        }
        return new SKRect(MathF.Ceiling(left), MathF.Ceiling(top), MathF.Floor(Width - right), MathF.Floor(Height - bottom));
    }

    private List<SKPoint> DrawSeries(SKCanvas canvas, PlotSeries item, SKColor color, Func<double, double, SKPoint> toPixel)
    {
        using var line = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true };
        using var dot = new SKPaint { Color = color, Style = SKPaintStyle.Fill, IsAntialias = true };
        using var path = new SKPath();
        var points = new List<SKPoint>();
        bool penDown = false;
        for (int i = 0; i < item.X.Length; i++)
        {
            if (!PlotAxis.Plottable(item.X[i], LogX) || !PlotAxis.Plottable(item.Y[i], LogY))
            {
                penDown = false;
                continue;
            }
            var p = toPixel(item.X[i], item.Y[i]);
            points.Add(p);
            if (penDown)
            {
                path.LineTo(p);
            }
            else
            {
                path.MoveTo(p);
                penDown = true;
            }
        }
        if (item.Style != PlotStyle.Markers)
        {
            canvas.DrawPath(path, line);
        }
        if (item.Style != PlotStyle.Line)
        {
            foreach (var p in points)
            {
                canvas.DrawCircle(p, MarkerRadius, dot);
            }
        }
        return points;
    }
}
