using ScottPlot;
using SkiaSharp;

namespace ResGen.Imaging;

/// <summary>
/// A line / scatter plot written to PNG, drawn by ScottPlot: any number of named series with a
/// legend, optional logarithmic axes, a title and axis labels. Meant for quick diagnostics such as
/// "PSNR vs depth" or "loss vs step".
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
    private const float LineWidth = 2;
    private const float MarkerSize = 6;

    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    /// <summary>The name under which ScottPlot finds the typeface of <see cref="Fonts"/>; null when there is none.</summary>
    private static readonly Lazy<string?> FontName = new(RegisterFont);

    private readonly string? title;
    private readonly string? xLabel;
    private readonly string? yLabel;
    private readonly bool logX;
    private readonly bool logY;
    private readonly int width;
    private readonly int height;
    private readonly List<Series> series = [];

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
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
        this.logY = logY;
        this.width = width;
        this.height = height;
    }

    /// <summary>Adds a series; returns this plot so calls can be chained.</summary>
    /// <param name="name">Legend text.</param>
    /// <param name="x">X coordinates.</param>
    /// <param name="y">Y coordinates, as many as <paramref name="x"/>; NaN or infinite values leave a gap.</param>
    /// <param name="style">Lines, markers or both.</param>
    /// <returns>This plot.</returns>
    public LinePlot Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, PlotStyle style = PlotStyle.LineAndMarkers)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"Series '{name}' has {x.Count} x values but {y.Count} y values.", nameof(y));
        }
        if (!Enum.IsDefined(style))
        {
            throw new ArgumentOutOfRangeException(nameof(style), $"Unknown plot style {(int)style}.");
        }
        series.Add(new Series(name, [.. x], [.. y], style));
        return this;
    }

    /// <summary>
    /// Renders the plot and writes it to <paramref name="path"/> as PNG (atomically). Text is left
    /// out when no usable font was found.
    /// </summary>
    /// <param name="path">Destination .png file; its folder is created if needed.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] png = RenderPng(withText: true);
        IO.AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>The PNG bytes; text only when <paramref name="withText"/> and a font was found.</summary>
    internal byte[] RenderPng(bool withText)
    {
        using var plot = Build(withText);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The ScottPlot plot behind this one (the caller disposes it).</summary>
    internal Plot Build(bool withText)
    {
        // Registered before ScottPlot's first use, as its list of font resolvers is not thread-safe.
        string? font = FontName.Value;
        var plot = new Plot();
        var points = new List<(double X, double Y)>();
        for (int s = 0; s < series.Count; s++)
        {
            var item = series[s];
            double[] xs = [.. item.X.Select(v => Coordinate(v, logX))];
            double[] ys = [.. item.Y.Select(v => Coordinate(v, logY))];
            var scatter = plot.Add.Scatter(xs, ys, Palette.GetColor(s));
            scatter.LegendText = item.Name;
            scatter.LineWidth = item.Style == PlotStyle.Markers ? 0 : LineWidth;
            scatter.MarkerSize = item.Style == PlotStyle.Line ? 0 : MarkerSize;
            points.AddRange(xs.Zip(ys).Where(p => !double.IsNaN(p.First) && !double.IsNaN(p.Second)));
        }
        if (points.Count == 0)
        {
            plot.Axes.SetLimits(0, 1, 0, 1); // 1 to 10 on a log axis
        }
        else
        {
            plot.Axes.AutoScale();
        }
        if (logX)
        {
            plot.Axes.Bottom.TickGenerator = new LogTicks();
        }
        if (logY)
        {
            plot.Axes.Left.TickGenerator = new LogTicks();
        }

        if (withText && font is not null)
        {
            plot.Font.Set(font);
            plot.Legend.FontName = font;
            if (title is not null)
            {
                plot.Title(title);
            }
            if (xLabel is not null)
            {
                plot.XLabel(xLabel);
            }
            if (yLabel is not null)
            {
                plot.YLabel(yLabel);
            }
            if (series.Any(item => !string.IsNullOrWhiteSpace(item.Name)))
            {
                plot.ShowLegend(QuietestCorner(points, plot.Axes.GetLimits()));
            }
        }
        else
        {
            plot.Axes.Bottom.TickLabelStyle.IsVisible = false;
            plot.Axes.Left.TickLabelStyle.IsVisible = false;
            plot.HideLegend();
        }
        return plot;
    }

    /// <summary>
    /// The corner of the data area where a legend covers the fewest points; ties go to upper right,
    /// upper left, lower right, lower left in that order.
    /// </summary>
    internal static Alignment QuietestCorner(IReadOnlyList<(double X, double Y)> points, AxisLimits limits)
    {
        // A legend covers roughly this fraction of the data area's width and height.
        const double w = 0.4;
        const double h = 0.3;
        (Alignment Corner, double Left, double Bottom)[] corners =
        [
            (Alignment.UpperRight, 1 - w, 1 - h),
            (Alignment.UpperLeft, 0, 1 - h),
            (Alignment.LowerRight, 1 - w, 0),
            (Alignment.LowerLeft, 0, 0),
        ];
        return corners.MinBy(c => points.Count(p =>
        {
            double fx = (p.X - limits.Left) / limits.HorizontalSpan;
            double fy = (p.Y - limits.Bottom) / limits.VerticalSpan;
            return fx >= c.Left && fx <= c.Left + w && fy >= c.Bottom && fy <= c.Bottom + h;
        })).Corner;
    }

    /// <summary>Where <paramref name="value"/> goes on an axis: log10 on a log axis; NaN (a gap) when it cannot be shown.</summary>
    private static double Coordinate(double value, bool log) =>
        !double.IsFinite(value) || (log && value <= 0) ? double.NaN : log ? Math.Log10(value) : value;

    private static string? RegisterFont()
    {
        if (Fonts.Typeface is not { } typeface)
        {
            return null;
        }
        ScottPlot.Fonts.FontResolvers.Insert(0, new FoundFont(typeface));
        return FoundFont.Name;
    }

    private sealed record Series(string Name, double[] X, double[] Y, PlotStyle Style);

    /// <summary>
    /// Hands ScottPlot the typeface <see cref="Fonts"/> found (which may come from RESGEN_FONT),
    /// under a name of its own, so plots never use a font ScottPlot would guess.
    /// </summary>
    private sealed class FoundFont(SKTypeface typeface) : IFontResolver
    {
        public const string Name = "ResGen plot font";

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => fontName == Name ? typeface : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == Name ? typeface : null;
    }
}
