using SkiaSharp;

namespace ResGen.Imaging;

/// <summary>
/// Finds a typeface that really draws text. SkiaSharp's NoDependencies native build has no
/// fontconfig; it scans /usr/share/fonts itself, so on a machine without font files the default
/// typeface exists but has no glyphs and every string draws as nothing. Labels, legends and tick
/// labels are then left out instead of failing.
/// </summary>
public static class Fonts
{
    /// <summary>Environment variable naming a .ttf/.otf file to use instead of the system fonts.</summary>
    public const string FontFileVariable = "RESGEN_FONT";

    private static readonly string[] PreferredFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial"];

    private static readonly Lazy<SKTypeface?> Found = new(FindTypeface);

    /// <summary>
    /// The typeface used for all text: the file named by <see cref="FontFileVariable"/>, else the
    /// first of a few common sans-serif families, else SkiaSharp's default typeface; null when
    /// none of them renders text.
    /// </summary>
    public static SKTypeface? Typeface => Found.Value;

    /// <summary>True when <see cref="Typeface"/> was found, i.e. text will appear in images.</summary>
    public static bool CanRenderText => Typeface is not null;

    /// <summary>A short description of the typeface in use, for diagnostics.</summary>
    public static string Description =>
        Typeface is { } typeface ? $"{typeface.FamilyName} ({typeface.GlyphCount} glyphs)" : "none (text is left out)";

    /// <summary>Creates a font of <paramref name="size"/> pixels, or null when text cannot be rendered.</summary>
    /// <param name="size">Font size in pixels.</param>
    /// <returns>A new font the caller disposes, or null.</returns>
    public static SKFont? CreateFont(float size) => CreateFont(Typeface, size);

    internal static SKFont? CreateFont(SKTypeface? typeface, float size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return typeface is null ? null : new SKFont(typeface, size) { Subpixel = true, Edging = SKFontEdging.Antialias };
    }

    /// <summary>Returns the first candidate that draws visible text, or null.</summary>
    internal static SKTypeface? FirstThatRenders(IEnumerable<Func<SKTypeface?>> candidates)
    {
        foreach (var candidate in candidates)
        {
            SKTypeface? typeface;
            try
            {
                typeface = candidate();
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException)
            {
                continue;
            }
            if (typeface is not null && Renders(typeface))
            {
                return typeface;
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="typeface"/> maps sample characters to glyphs and drawing them marks pixels.</summary>
    internal static bool Renders(SKTypeface typeface)
    {
        const string sample = "Ag0";
        if (typeface.GlyphCount == 0)
        {
            return false;
        }
        using var font = new SKFont(typeface, 16);
        if (font.GetGlyphs(sample).Any(glyph => glyph == 0))
        {
            return false;
        }

        using var bitmap = new SKBitmap(new SKImageInfo(48, 24, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            canvas.Clear(SKColors.Transparent);
            canvas.DrawText(sample, 2, 18, SKTextAlign.Left, font, paint);
        }
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                if (bitmap.GetPixel(x, y).Alpha > 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static SKTypeface? FindTypeface()
    {
        var candidates = new List<Func<SKTypeface?>>();
        string? file = Environment.GetEnvironmentVariable(FontFileVariable);
        if (!string.IsNullOrWhiteSpace(file))
        {
            candidates.Add(() => File.Exists(file) ? SKTypeface.FromFile(file) : null);
        }
        foreach (string family in PreferredFamilies)
        {
            candidates.Add(() => SKFontManager.Default.MatchFamily(family));
        }
        candidates.Add(() => SKTypeface.Default);
        return FirstThatRenders(candidates);
    }
}
