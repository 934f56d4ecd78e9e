using System.Globalization;

namespace ResGen.Config;

/// <summary>
/// The range of a numeric config key (or of every element of a numeric list), checked when a config
/// is loaded, before anything is built from it. Every floating-point key must be finite whether or
/// not it declares a range; a range adds the bounds (inclusive unless marked exclusive).
/// </summary>
/// <param name="min">The smallest value allowed.</param>
/// <param name="max">The largest value allowed.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValueRangeAttribute(double min, double max) : Attribute
{
    public double Min { get; } = min;
    public double Max { get; } = max;
    /// <summary>Whether <see cref="Min"/> itself is outside the range, as for a learning rate (0, 10].</summary>
    public bool MinExclusive { get; init; }
    /// <summary>Whether <see cref="Max"/> itself is outside the range, as for a decay [0, 1).</summary>
    public bool MaxExclusive { get; init; }

    /// <summary>Whether <paramref name="value"/> lies in the range (NaN never does).</summary>
    public bool Contains(double value)
        => (MinExclusive ? value > Min : value >= Min) && (MaxExclusive ? value < Max : value <= Max);

    /// <summary>The range as a reader sees it: "in (0, 10]", "at least 1", "in 1..64".</summary>
    public string Describe(bool integer)
    {
        // int.MaxValue and 2^63 stand for "no maximum" on integer keys
        bool noMax = double.IsPositiveInfinity(Max) || (integer && (Max == int.MaxValue || Max >= long.MaxValue));
        if (integer && !MinExclusive && !MaxExclusive)
            return noMax ? $"at least {Text(Min)}" : $"in {Text(Min)}..{Text(Max)}";
        if (noMax) return MinExclusive ? $"greater than {Text(Min)}" : $"at least {Text(Min)}";
        return $"in {(MinExclusive ? '(' : '[')}{Text(Min)}, {Text(Max)}{(MaxExclusive ? ')' : ']')}";
    }

    static string Text(double x) => x switch
    {
        >= long.MaxValue => "2^63",
        <= long.MinValue => "-2^63",
        _ => x.ToString(CultureInfo.InvariantCulture),
    };
}
