using ResGen.Imaging;

namespace ResGen.Tests.Imaging;

/// <summary>A fact that is skipped, with a reason, when no installed font can render text.</summary>
public sealed class FontAvailableFactAttribute : FactAttribute
{
    public FontAvailableFactAttribute()
    {
        if (!Fonts.CanRenderText)
        {
            Skip = "No usable font (SkiaSharp found no glyphs under /usr/share/fonts); install fonts-dejavu-core.";
        }
    }
}
