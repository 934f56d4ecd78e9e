namespace ResGen.Imaging;

/// <summary>How a series of a <see cref="LinePlot"/> is drawn.</summary>
public enum PlotStyle
{
    /// <summary>Points joined by straight lines, each point marked with a dot.</summary>
    LineAndMarkers,

    /// <summary>Points joined by straight lines only.</summary>
    Line,

    /// <summary>Dots only (a scatter plot).</summary>
    Markers,
}
