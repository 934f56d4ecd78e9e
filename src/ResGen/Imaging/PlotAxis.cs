using System.Globalization;

namespace ResGen.Imaging;

/// <summary>
/// One plot axis: its value range, tick positions and labels, and the mapping from values to
/// pixels. Linear axes get "nice" steps (1, 2 or 5 times a power of ten) and are widened to
/// whole steps; logarithmic axes get ticks at 1, 2 and 5 times powers of ten, thinned to decades
/// or thickened to every integer multiple depending on the span.
/// </summary>
internal sealed class PlotAxis
{
    private PlotAxis(double min, double max, bool log, IReadOnlyList<double> ticks, Func<double, string> format)
    {
        Min = min;
        Max = max;
        IsLog = log;
        Ticks = ticks;
        Format = format;
    }

    public double Min { get; }

    public double Max { get; }

    public bool IsLog { get; }

    public IReadOnlyList<double> Ticks { get; }

    public Func<double, string> Format { get; }

    /// <summary>Position of <paramref name="value"/> as a fraction of the axis (0 at Min, 1 at Max).</summary>
    public double Fraction(double value) => IsLog
        ? (Math.Log10(value) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min))
        : (value - Min) / (Max - Min);

    /// <summary>True when <paramref name="value"/> can be placed on this axis (finite, and positive on a log axis).</summary>
    public static bool Plottable(double value, bool log) => double.IsFinite(value) && (!log || value > 0);

    /// <summary>Builds an axis covering <paramref name="values"/> (unplottable values are ignored).</summary>
    public static PlotAxis Create(IEnumerable<double> values, bool log, int targetTicks = 6)
    {
        var usable = values.Where(v => Plottable(v, log)).ToList();
        return log ? CreateLog(usable) : CreateLinear(usable, targetTicks);
    }

    private static PlotAxis CreateLinear(List<double> values, int targetTicks)
    {
        double lo = values.Count > 0 ? values.Min() : 0;
        double hi = values.Count > 0 ? values.Max() : 1;
        if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi)))
        {
            double half = Math.Abs(lo) > 0 ? Math.Abs(lo) * 0.1 : 1;
            lo -= half;
            hi += half;
        }
        double step = NiceStep((hi - lo) / targetTicks);
        double min = Math.Floor(lo / step + 1e-9) * step;
        double max = Math.Ceiling(hi / step - 1e-9) * step;
        var ticks = new List<double>();
        for (int i = 0; min + i * step <= max + step * 1e-6; i++)
        {
            double tick = min + i * step;
            ticks.Add(Math.Abs(tick) < step * 1e-9 ? 0 : tick);
        }
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return new PlotAxis(min, max, log: false, ticks, v => FormatLinear(v, decimals));
    }

    private static PlotAxis CreateLog(List<double> values)
    {
        double lo = values.Count > 0 ? values.Min() : 1;
        double hi = values.Count > 0 ? values.Max() : 10;
        double logLo = Math.Log10(lo);
        double logHi = Math.Log10(hi);
        if (logHi - logLo < 1e-9)
        {
            logLo -= 0.5;
            logHi += 0.5;
        }
        double margin = (logHi - logLo) * 0.04;
        double min = Math.Pow(10, logLo - margin);
        double max = Math.Pow(10, logHi + margin);

        var ticks = TicksWithin(min, max, [1, 2, 5]);
        if (ticks.Count > 8)
        {
            ticks = TicksWithin(min, max, [1]);
        }
        else if (ticks.Count < 3)
        {
            ticks = TicksWithin(min, max, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }
        return new PlotAxis(min, max, log: true, ticks, FormatGeneral);
    }

    private static List<double> TicksWithin(double min, double max, int[] multiples)
    {
        var ticks = new List<double>();
        for (int exponent = (int)Math.Floor(Math.Log10(min)); exponent <= (int)Math.Ceiling(Math.Log10(max)); exponent++)
        {
            double decade = Math.Pow(10, exponent);
            foreach (int m in multiples)
            {
                double tick = m * decade;
                if (tick >= min * (1 - 1e-9) && tick <= max * (1 + 1e-9))
                {
                    ticks.Add(tick);
                }
            }
        }
        return ticks;
    }

    /// <summary>The smallest of 1, 2, 5 or 10 times a power of ten that is at least <paramref name="raw"/>.</summary>
    internal static double NiceStep(double raw)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double fraction = raw / power;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }

    private static string FormatLinear(double value, int decimals)
    {
        double magnitude = Math.Abs(value);
        if (value != 0 && (magnitude >= 1e6 || decimals > 5))
        {
            return FormatGeneral(value);
        }
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    internal static string FormatGeneral(double value)
    {
        double magnitude = Math.Abs(value);
        if (value != 0 && (magnitude >= 1e5 || magnitude < 1e-3))
        {
            return value.ToString("0.##E+0", CultureInfo.InvariantCulture);
        }
        return value.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
