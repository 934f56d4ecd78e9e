using System.Globalization;

namespace ResGen.Training;

/// <summary>How a <see cref="Metric"/> is shown in a log line (the JSON record always keeps the raw value).</summary>
public enum MetricFormat
{
    /// <summary>Integers as such, moderate values with four to five significant digits, tiny or huge ones in scientific notation.</summary>
    Auto,

    /// <summary>A fraction shown as a percentage with one decimal: 0.973 becomes <c>97.3%</c>.</summary>
    Percent,

    /// <summary>Two significant digits in scientific notation, as learning rates are written: <c>3.0e-04</c>.</summary>
    Scientific,

    /// <summary>Rounded to a whole number.</summary>
    Integer,
}

/// <summary>One named value of a training log record.</summary>
/// <param name="Name">A short name without spaces or '|', e.g. <c>loss</c> or <c>usage</c>.</param>
/// <param name="Value">The raw value.</param>
/// <param name="Format">How the log line shows it.</param>
public readonly record struct Metric(string Name, double Value, MetricFormat Format = MetricFormat.Auto)
{
    /// <summary>A fraction shown as a percentage.</summary>
    public static Metric Percent(string name, double fraction) => new(name, fraction, MetricFormat.Percent);

    /// <summary>A value shown in scientific notation, e.g. a learning rate.</summary>
    public static Metric Scientific(string name, double value) => new(name, value, MetricFormat.Scientific);

    /// <summary>The value as the log line shows it (without the name).</summary>
    public string FormattedValue => FormatNumber(Value, Format);

    /// <summary>Formats <paramref name="value"/> per <paramref name="format"/> with the invariant culture.</summary>
    public static string FormatNumber(double value, MetricFormat format)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var c = CultureInfo.InvariantCulture;
        return format switch
        {
            MetricFormat.Percent => (value * 100).ToString("F1", c) + "%",
            MetricFormat.Scientific => value.ToString("0.0e+00", c),
            MetricFormat.Integer => Math.Round(value).ToString("F0", c),
            _ => Auto(value, c),
        };
    }

    private static string Auto(double value, CultureInfo c)
    {
        var magnitude = Math.Abs(value);
        if (value == Math.Floor(value) && magnitude < 1e15)
        {
            return value.ToString("F0", c);
        }

        if (magnitude < 1e-3 || magnitude >= 1e5)
        {
            return value.ToString("0.000e+00", c);
        }

        var decimals = magnitude < 10 ? 4 : magnitude < 100 ? 3 : magnitude < 1000 ? 2 : 1;
        return value.ToString("F" + decimals.ToString(c), c);
    }
}
