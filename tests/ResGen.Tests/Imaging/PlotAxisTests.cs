using ResGen.Imaging;

namespace ResGen.Tests.Imaging;

public sealed class PlotAxisTests
{
    [Theory]
    [InlineData(0.7, 1)]
    [InlineData(1.0, 1)]
    [InlineData(1.3, 2)]
    [InlineData(3.0, 5)]
    [InlineData(7.0, 10)]
    [InlineData(0.013, 0.02)]
    [InlineData(450, 500)]
    public void NiceStep_RoundsUpToOneTwoOrFive(double raw, double expected)
    {
        Assert.Equal(expected, PlotAxis.NiceStep(raw), 9);
    }

    [Fact]
    public void Linear_WidensToWholeStepsWithReadableLabels()
    {
        var axis = PlotAxis.Create([0.3, 9.3], log: false);

        Assert.Equal([0, 2, 4, 6, 8, 10], axis.Ticks);
        Assert.Equal((0, 10), (axis.Min, axis.Max));
        Assert.Equal("4", axis.Format(4));
        Assert.Equal(0.5, axis.Fraction(5), 9);
    }

    [Fact]
    public void Linear_SmallStepsGetDecimals()
    {
        var axis = PlotAxis.Create([0.01, 0.025], log: false);

        // Span 0.015 over ~6 ticks -> step 0.005, so labels need three decimals.
        Assert.Contains(axis.Ticks, t => Math.Abs(t - 0.015) < 1e-12);
        Assert.Equal("0.015", axis.Format(0.015));
        Assert.Equal("0.020", axis.Format(0.02));
    }

    [Fact]
    public void Linear_ConstantOrEmptyDataStillGivesARange()
    {
        var constant = PlotAxis.Create([5, 5, 5], log: false);
        var empty = PlotAxis.Create([], log: false);

        Assert.True(constant.Min < 5 && constant.Max > 5);
        Assert.True(empty.Max > empty.Min);
    }

    [Fact]
    public void Log_ShortSpanUsesOneTwoFiveTicks()
    {
        var axis = PlotAxis.Create([1, 2, 4, 8, 16], log: true);

        Assert.Equal([1, 2, 5, 10], axis.Ticks);
        Assert.True(axis.Min < 1 && axis.Max > 16);
    }

    [Fact]
    public void Log_WideSpanUsesDecadesAndIgnoresNonPositiveValues()
    {
        var axis = PlotAxis.Create([0, -3, 0.5, 3000], log: true);

        Assert.Equal([1, 10, 100, 1000], axis.Ticks);
        Assert.Equal(0.5, axis.Fraction(Math.Sqrt(axis.Min * axis.Max)), 9);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1000, "1000")]
    [InlineData(250000, "2.5E+5")]
    [InlineData(0.0001, "1E-4")]
    [InlineData(0.25, "0.25")]
    public void FormatGeneral_IsCompact(double value, string expected)
    {
        Assert.Equal(expected, PlotAxis.FormatGeneral(value));
    }
}
