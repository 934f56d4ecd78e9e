using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace ResGen.Imaging;

/// <summary>
/// Ticks for an axis whose coordinates are log10 of the data (ScottPlot has no log scale), labelled
/// with the real values. When two or more powers of ten are in view, ScottPlot's whole-decade
/// ticks with log-spaced minor ticks are used; on shorter spans those would leave the axis without
/// labels, so 1, 2 and 5 times powers of ten are labelled instead (every whole multiple when that
/// gives fewer than three labels).
/// </summary>
internal sealed class LogTicks : ITickGenerator
{
    private static readonly int[] OneTwoFive = [1, 2, 5];
    private static readonly int[] AllMultiples = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    private readonly NumericAutomatic decades = new()
    {
        IntegerTicksOnly = true,
        MinorTickGenerator = new LogMinorTickGenerator(),
        LabelFormatter = Label,
    };

    public Tick[] Ticks { get; set; } = [];

    public int MaxTickCount
    {
        get => decades.MaxTickCount;
        set => decades.MaxTickCount = value;
    }

    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle)
    {
        decades.Regenerate(range, edge, size, paint, labelStyle);
        Ticks = decades.Ticks;
        // More than two decades always hold two whole powers of ten, so the fallback stays short.
        if (decades.Ticks.Count(t => t.IsMajor) >= 2 || !double.IsFinite(range.Min) || !double.IsFinite(range.Max) || range.Span > 2)
        {
            return;
        }
        var ticks = Multiples(range, OneTwoFive);
        Ticks = ticks.Count(t => t.IsMajor) >= 3 ? ticks : Multiples(range, AllMultiples);
    }

    /// <summary>The real value at log10 coordinate <paramref name="log10"/>, written compactly.</summary>
    internal static string Label(double log10)
    {
        double value = Math.Pow(10, log10);
        string format = value >= 1e5 || value < 1e-3 ? "0.##E+0" : "0.####";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

    private static Tick[] Multiples(CoordinateRange range, int[] labelled)
    {
        var ticks = new List<Tick>();
        for (int exponent = (int)Math.Floor(range.Min); exponent <= (int)Math.Ceiling(range.Max); exponent++)
        {
            for (int multiple = 1; multiple <= 9; multiple++)
            {
                double position = exponent + Math.Log10(multiple);
                if (position >= range.Min && position <= range.Max)
                {
                    ticks.Add(labelled.Contains(multiple) ? Tick.Major(position, Label(position)) : Tick.Minor(position));
                }
            }
        }
        return [.. ticks];
    }
}
