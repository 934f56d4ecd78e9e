using SkiaSharp;

namespace ResGen.Imaging;

/// <summary>Draws the parts of a <see cref="LinePlot"/> around the data: grid, frame, ticks and texts.</summary>
internal static class PlotFrame
{
    private static readonly SKColor GridColor = new(0xe4, 0xe4, 0xe4);
    private static readonly SKColor InkColor = new(0x20, 0x20, 0x20);

    /// <summary>Grid lines, the frame, tick marks and (when <paramref name="tickFont"/> is set) tick labels.</summary>
    public static void Draw(SKCanvas canvas, SKRect frame, PlotAxis xAxis, PlotAxis yAxis, SKFont? tickFont, float tickLength)
    {
        using var grid = new SKPaint { Color = GridColor, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        // Hairlines without antialiasing on whole-pixel coordinates stay crisp.
        using var ink = new SKPaint { Color = InkColor, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        using var text = new SKPaint { Color = InkColor, IsAntialias = true };

        foreach (double tick in xAxis.Ticks)
        {
            float x = MathF.Round(frame.Left + (float)(xAxis.Fraction(tick) * frame.Width));
            canvas.DrawLine(x, frame.Top, x, frame.Bottom, grid);
            canvas.DrawLine(x, frame.Bottom, x, frame.Bottom + tickLength, ink);
            if (tickFont is not null)
            {
                float baseline = frame.Bottom + tickLength + 2 - tickFont.Metrics.Ascent;
                canvas.DrawText(xAxis.Format(tick), x, baseline, SKTextAlign.Center, tickFont, text);
            }
        }
        foreach (double tick in yAxis.Ticks)
        {
            float y = MathF.Round(frame.Bottom - (float)(yAxis.Fraction(tick) * frame.Height));
            canvas.DrawLine(frame.Left, y, frame.Right, y, grid);
            canvas.DrawLine(frame.Left - tickLength, y, frame.Left, y, ink);
            if (tickFont is not null)
            {
                float baseline = y - (tickFont.Metrics.Ascent + tickFont.Metrics.Descent) / 2;
                canvas.DrawText(yAxis.Format(tick), frame.Left - tickLength - 3, baseline, SKTextAlign.Right, tickFont, text);
            }
        }
        canvas.DrawRect(frame, ink);
    }

    /// <summary>Title above the frame, x label under the tick labels, y label rotated at the far left.</summary>
    public static void DrawTexts(
        SKCanvas canvas, SKRect frame, string? title, string? xLabel, string? yLabel,
        SKFont tickFont, SKFont labelFont, SKFont titleFont, float pad, float tickLength)
    {
        using var text = new SKPaint { Color = InkColor, IsAntialias = true };
        if (title is not null)
        {
            canvas.DrawText(title, frame.MidX, pad - titleFont.Metrics.Ascent, SKTextAlign.Center, titleFont, text);
        }
        if (xLabel is not null)
        {
            float baseline = frame.Bottom + tickLength + 2 + tickFont.Spacing + 4 - labelFont.Metrics.Ascent;
            canvas.DrawText(xLabel, frame.MidX, baseline, SKTextAlign.Center, labelFont, text);
        }
        if (yLabel is not null)
        {
            float x = pad - labelFont.Metrics.Ascent;
            canvas.Save();
            canvas.RotateDegrees(-90, x, frame.MidY);
            canvas.DrawText(yLabel, x, frame.MidY, SKTextAlign.Center, labelFont, text);
            canvas.Restore();
        }
    }
}
