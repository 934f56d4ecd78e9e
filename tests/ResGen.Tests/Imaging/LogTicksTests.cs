using ResGen.Imaging;
using ScottPlot;

namespace ResGen.Tests.Imaging;

[Collection("ScottPlot")]
public sealed class LogTicksTests
{
    private static (List<double> Values, List<string> Labels, int Minor) Ticks(double minValue, double maxValue)
    {
        new LinePlot().RenderPng(withText: false); // as in the product, LinePlot sets ScottPlot's fonts up first
        var ticks = new LogTicks();
        using var paint = Paint.NewDisposablePaint();
        ticks.Regenerate(new CoordinateRange(Math.Log10(minValue), Math.Log10(maxValue)), Edge.Bottom, new PixelLength(600), paint, new LabelStyle());
        var major = ticks.Ticks.Where(t => t.IsMajor).ToList();
        return (major.Select(t => Math.Round(Math.Pow(10, t.Position), 9)).ToList(), major.Select(t => t.Label).ToList(), ticks.Ticks.Count(t => !t.IsMajor));
    }

    [Fact]
    public void ManyDecades_AreLabelledAtPowersOfTenWithMinorTicksBetween()
    {
        var (values, labels, minor) = Ticks(0.5, 3000);

        Assert.Equal([1, 10, 100, 1000], values);
        Assert.Equal(["1", "10", "100", "1000"], labels);
        Assert.True(minor >= 3 * 4, "each whole decade gets minor ticks");
    }

    [Fact]
    public void LessThanTwoPowersOfTen_GetOneTwoFiveTicks()
    {
        var (values, labels, minor) = Ticks(3, 60);

        Assert.Equal([5, 10, 20, 50], values);
        Assert.Equal(["5", "10", "20", "50"], labels);
        Assert.True(minor > 0);
    }

    [Fact]
    public void WithinOneDecade_EveryWholeMultipleIsLabelled()
    {
        var (values, labels, _) = Ticks(0.012, 0.045);

        Assert.Equal([0.02, 0.03, 0.04], values);
        Assert.Equal(["0.02", "0.03", "0.04"], labels);
    }

    [Theory]
    [InlineData(0, "1")]
    [InlineData(3, "1000")]
    [InlineData(-1, "0.1")]
    [InlineData(-4, "1E-4")]
    [InlineData(5.39794000867, "2.5E+5")]
    [InlineData(0.30102999566, "2")]
    public void Label_ShowsTheRealValue(double log10, string expected)
    {
        Assert.Equal(expected, LogTicks.Label(log10));
    }
}
