using SkiaSharp;

namespace ResGen.Imaging;

/// <summary>
/// Draws the legend of a <see cref="LinePlot"/> inside the frame, in whichever corner covers
/// the fewest data points.
/// </summary>
internal static class PlotLegend
{
    private const float Swatch = 20f;
    private const float Inset = 6f;

    public static void Draw(
        SKCanvas canvas, SKRect frame, IReadOnlyList<(string Name, SKColor Color, PlotStyle Style)> entries,
        SKFont font, IReadOnlyList<SKPoint> dataPoints)
    {
        if (entries.Count == 0 || entries.All(e => string.IsNullOrWhiteSpace(e.Name)))
        {
            return;
        }
        float rowHeight = font.Spacing;
        float textWidth = entries.Max(e => font.MeasureText(e.Name));
        var size = new SKSize(Inset * 3 + Swatch + textWidth, Inset * 2 + rowHeight * entries.Count);
        var box = BestCorner(frame, size, dataPoints);

        using var fill = new SKPaint { Color = SKColors.White.WithAlpha(225), Style = SKPaintStyle.Fill };
        using var border = new SKPaint { Color = new SKColor(0xb0, 0xb0, 0xb0), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        using var text = new SKPaint { Color = new SKColor(0x20, 0x20, 0x20), IsAntialias = true };
        canvas.DrawRect(box, fill);
        canvas.DrawRect(box, border);

        float centre = -(font.Metrics.Ascent + font.Metrics.Descent) / 2;
        for (int i = 0; i < entries.Count; i++)
        {
            var (name, color, style) = entries[i];
            float midY = box.Top + Inset + rowHeight * (i + 0.5f);
            float x0 = box.Left + Inset;
            using var line = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true };
            using var dot = new SKPaint { Color = color, Style = SKPaintStyle.Fill, IsAntialias = true };
            if (style != PlotStyle.Markers)
            {
                canvas.DrawLine(x0, midY, x0 + Swatch, midY, line);
            }
            if (style != PlotStyle.Line)
            {
                canvas.DrawCircle(x0 + Swatch / 2, midY, 3, dot);
            }
            canvas.DrawText(name, x0 + Swatch + Inset, midY + centre, SKTextAlign.Left, font, text);
        }
    }

    private static SKRect BestCorner(SKRect frame, SKSize size, IReadOnlyList<SKPoint> points)
    {
        float left = frame.Left + Inset;
        float right = frame.Right - Inset - size.Width;
        float top = frame.Top + Inset;
        float bottom = frame.Bottom - Inset - size.Height;
        // Preference order when corners tie: top right, top left, bottom right, bottom left.
        SKRect[] corners =
        [
            SKRect.Create(right, top, size.Width, size.Height),
            SKRect.Create(left, top, size.Width, size.Height),
            SKRect.Create(right, bottom, size.Width, size.Height),
            SKRect.Create(left, bottom, size.Width, size.Height),
        ];
        return corners.MinBy(c => points.Count(p => c.Contains(p)));
    }
}
