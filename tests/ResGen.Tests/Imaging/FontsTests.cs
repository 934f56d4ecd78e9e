using ResGen.Imaging;
using SkiaSharp;

namespace ResGen.Tests.Imaging;

public sealed class FontsTests
{
    [Fact]
    public void CanRenderText_IsTrueWhenFontFilesAreInstalled()
    {
        bool fontsInstalled = Directory.Exists("/usr/share/fonts") &&
            Directory.EnumerateFiles("/usr/share/fonts", "*.ttf", SearchOption.AllDirectories).Any();

        Assert.Equal(fontsInstalled, Fonts.CanRenderText);
        Assert.Equal(Fonts.CanRenderText, Fonts.CreateFont(12) is not null);
    }

    [FontAvailableFact]
    public void Typeface_DrawsVisibleGlyphs()
    {
        Assert.True(Fonts.Renders(Fonts.Typeface!));
        Assert.Contains("glyphs", Fonts.Description);
    }

    [Fact]
    public void FirstThatRenders_SkipsMissingAndFailingCandidates()
    {
        var result = Fonts.FirstThatRenders(
        [
            () => null,
            () => throw new IOException("unreadable font file"),
            () => SKTypeface.FromFile("/nonexistent/font.ttf"),
        ]);

        Assert.Null(result);
    }

    [FontAvailableFact]
    public void FirstThatRenders_ReturnsTheFirstWorkingCandidate()
    {
        var working = Fonts.Typeface!;

        Assert.Same(working, Fonts.FirstThatRenders([() => null, () => working]));
    }

    [Fact]
    public void CreateFont_WithoutTypefaceGivesNull()
    {
        Assert.Null(Fonts.CreateFont(null, 12));
    }
}
