using SkiaSharp;

namespace ResGen.Imaging;

/// <summary>Pixel geometry of an image grid: label margins, cell positions and overall size.</summary>
internal sealed record GridLayout(
    int Rows, int Columns, int CellWidth, int CellHeight, int Padding, int LabelWidth, int HeaderHeight)
{
    /// <summary>Total bitmap width.</summary>
    public int Width => LabelWidth + Padding + Columns * (CellWidth + Padding);

    /// <summary>Total bitmap height.</summary>
    public int Height => HeaderHeight + Padding + Rows * (CellHeight + Padding);

    /// <summary>Where the image of row <paramref name="row"/>, column <paramref name="column"/> goes.</summary>
    public SKRect Cell(int row, int column)
    {
        float left = LabelWidth + Padding + column * (CellWidth + Padding);
        float top = HeaderHeight + Padding + row * (CellHeight + Padding);
        return new SKRect(left, top, left + CellWidth, top + CellHeight);
    }

    /// <summary>
    /// Sizes the label margins from the text they will hold; both are zero without a font
    /// (text cannot be drawn) or without labels.
    /// </summary>
    public static GridLayout Compute(
        int rows, int columns, int cellWidth, int cellHeight, int padding, SKFont? font,
        IReadOnlyList<string>? rowLabels, IReadOnlyList<string>? columnLabels)
    {
        int labelWidth = 0;
        int headerHeight = 0;
        int gap = Math.Max(padding, 4);
        if (font is not null && rowLabels is { Count: > 0 })
        {
            float widest = rowLabels.Max(label => font.MeasureText(label ?? string.Empty));
            labelWidth = (int)MathF.Ceiling(widest) + gap;
        }
        if (font is not null && columnLabels is { Count: > 0 })
        {
            headerHeight = (int)MathF.Ceiling(font.Spacing) + gap;
        }
        return new GridLayout(rows, columns, cellWidth, cellHeight, padding, labelWidth, headerHeight);
    }
}
