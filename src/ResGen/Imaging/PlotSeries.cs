namespace ResGen.Imaging;

/// <summary>How a series is drawn.</summary>
public enum PlotStyle
{
    /// <summary>Points joined by straight lines, each point marked with a dot.</summary>
    LineAndMarkers,

    /// <summary>Points joined by straight lines only.</summary>
    Line,

    /// <summary>Dots only (a scatter plot).</summary>
    Markers,
}

/// <summary>One named set of points in a <see cref="LinePlot"/>.</summary>
public sealed class PlotSeries
{
    /// <summary>Creates a series; <paramref name="x"/> and <paramref name="y"/> must have the same length.</summary>
    /// <param name="name">Legend text.</param>
    /// <param name="x">X coordinates.</param>
    /// <param name="y">Y coordinates.</param>
    /// <param name="style">How to draw it.</param>
    public PlotSeries(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, PlotStyle style = PlotStyle.LineAndMarkers)
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
        Name = name;
        X = [.. x];
        Y = [.. y];
        Style = style;
    }

    /// <summary>Legend text.</summary>
    public string Name { get; }

    /// <summary>X coordinates (a copy of what was passed in).</summary>
    public double[] X { get; }

    /// <summary>Y coordinates (a copy of what was passed in).</summary>
    public double[] Y { get; }

    /// <summary>How the series is drawn.</summary>
    public PlotStyle Style { get; }
}
