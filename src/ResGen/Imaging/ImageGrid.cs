using SkiaSharp;
using static TorchSharp.torch;

namespace ResGen.Imaging;

/// <summary>
/// Lays out a batch of images as a PNG grid, optionally with a label at the left of each row
/// and a header above each column. Images are enlarged by pixel repetition (nearest neighbour).
/// </summary>
public static class ImageGrid
{
    private static readonly SKColor Background = SKColors.White;
    private static readonly SKColor TextColor = new(0x20, 0x20, 0x20);

    /// <summary>Draws the grid described in <see cref="Save"/> and returns it as a bitmap the caller disposes.</summary>
    /// <param name="images">Float tensor [N, C, H, W] in [-1, 1], C = 1 or 3.</param>
    /// <param name="columns">Images per row (at least 1); rows are filled left to right, top to bottom.</param>
    /// <param name="scale">Enlargement factor (at least 1).</param>
    /// <param name="padding">Gap in pixels around and between images (0 or more).</param>
    /// <param name="rowLabels">One label per row, drawn at the left; null for none.</param>
    /// <param name="columnLabels">One header per column, drawn at the top; null for none.</param>
    /// <param name="fontSize">Label size in pixels.</param>
    /// <returns>The rendered grid.</returns>
    public static SKBitmap Render(
        Tensor images, int columns, int scale = 1, int padding = 2,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null, float fontSize = 12f)
        => Render(images, columns, scale, padding, rowLabels, columnLabels, fontSize, Fonts.Typeface);

    /// <summary>
    /// Writes <paramref name="images"/> as a PNG grid to <paramref name="path"/> (atomically).
    /// Labels are left out when no usable font exists (see <see cref="Fonts.CanRenderText"/>).
    /// </summary>
    /// <param name="images">Float tensor [N, C, H, W] in [-1, 1], C = 1 or 3.</param>
    /// <param name="path">Destination .png file; its folder is created if needed.</param>
    /// <param name="columns">Images per row (at least 1); rows are filled left to right, top to bottom.</param>
    /// <param name="scale">Enlargement factor (at least 1).</param>
    /// <param name="padding">Gap in pixels around and between images (0 or more).</param>
    /// <param name="rowLabels">One label per row, drawn at the left; null for none.</param>
    /// <param name="columnLabels">One header per column, drawn at the top; null for none.</param>
    /// <param name="fontSize">Label size in pixels.</param>
    public static void Save(
        Tensor images, string path, int columns, int scale = 1, int padding = 2,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null, float fontSize = 12f)
    {
        using var bitmap = Render(images, columns, scale, padding, rowLabels, columnLabels, fontSize);
        PngFile.Write(bitmap, path);
    }

    /// <summary>Writes one image [C, H, W] in [-1, 1] to <paramref name="path"/> as PNG, enlarged <paramref name="scale"/> times.</summary>
    /// <param name="image">Float tensor [C, H, W], C = 1 or 3.</param>
    /// <param name="path">Destination .png file.</param>
    /// <param name="scale">Enlargement factor (at least 1).</param>
    public static void SavePng(Tensor image, string path, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3)
        {
            throw new ArgumentException(
                $"Expected one image [C, H, W], got shape [{string.Join(", ", image.shape)}].", nameof(image));
        }
        using var batch = image.unsqueeze(0);
        Save(batch, path, columns: 1, scale: scale, padding: 0);
    }

    /// <summary>
    /// Writes each image of a batch [N, C, H, W] in [-1, 1] to its own PNG file (atomically, at its natural
    /// size): the batch is converted once and the files are encoded and written in parallel, since one at a
    /// time each waits for its encoder and its flush to disk.
    /// </summary>
    /// <param name="images">Float tensor [N, C, H, W], C = 1 or 3, any device.</param>
    /// <param name="paths">N destination .png files.</param>
    public static void SavePngs(Tensor images, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var tiles = TensorImages.ToImages(images);
        try
        {
            if (tiles.Length != paths.Count)
                throw new ArgumentException($"{tiles.Length} images but {paths.Count} paths.", nameof(paths));
            Parallel.For(0, tiles.Length, i =>
            {
                using var data = tiles[i].Encode(SKEncodedImageFormat.Png, 100)
                    ?? throw new InvalidOperationException($"SkiaSharp could not encode '{paths[i]}' as PNG.");
                IO.AtomicFile.Write(paths[i], stream => data.SaveTo(stream));
            });
        }
        finally
        {
            foreach (var t in tiles) t.Dispose();
        }
    }

    internal static SKBitmap Render(
        Tensor images, int columns, int scale, int padding,
        IReadOnlyList<string>? rowLabels, IReadOnlyList<string>? columnLabels, float fontSize, SKTypeface? typeface)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);

        var tiles = TensorImages.ToImages(images);
        try
        {
            int count = tiles.Length;
            int rows = Math.Max(1, (count + columns - 1) / columns);
            if (rowLabels is not null && rowLabels.Count != rows)
            {
                throw new ArgumentException(
                    $"rowLabels has {rowLabels.Count} entries but {count} images in {columns} columns make {rows} rows.", nameof(rowLabels));
            }
            if (columnLabels is not null && columnLabels.Count != columns)
            {
                throw new ArgumentException(
                    $"columnLabels has {columnLabels.Count} entries but columns={columns}.", nameof(columnLabels));
            }

            int cellW = (int)images.shape[3] * scale;
            int cellH = (int)images.shape[2] * scale;
            using var font = Fonts.CreateFont(typeface, fontSize);
            var layout = GridLayout.Compute(rows, columns, cellW, cellH, padding, font, rowLabels, columnLabels);

            var bitmap = new SKBitmap(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            using var canvas = new SKCanvas(bitmap);
            canvas.Clear(Background);
            var sampling = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);
            for (int i = 0; i < count; i++)
            {
                canvas.DrawImage(tiles[i], layout.Cell(i / columns, i % columns), sampling);
            }
            if (font is not null)
            {
                DrawLabels(canvas, font, layout, rowLabels, columnLabels);
            }
            return bitmap;
        }
        finally
        {
            foreach (var tile in tiles)
            {
                tile.Dispose();
            }
        }
    }

    private static void DrawLabels(
        SKCanvas canvas, SKFont font, GridLayout layout,
        IReadOnlyList<string>? rowLabels, IReadOnlyList<string>? columnLabels)
    {
        using var paint = new SKPaint { Color = TextColor, IsAntialias = true };
        // Baseline offset that centres a line of text vertically on a given y.
        float centre = -(font.Metrics.Ascent + font.Metrics.Descent) / 2f;
        for (int r = 0; rowLabels is not null && r < rowLabels.Count; r++)
        {
            var cell = layout.Cell(r, 0);
            canvas.DrawText(rowLabels[r], layout.Padding, cell.MidY + centre, SKTextAlign.Left, font, paint);
        }
        for (int c = 0; columnLabels is not null && c < columnLabels.Count; c++)
        {
            var cell = layout.Cell(0, c);
            canvas.Save();
            canvas.ClipRect(new SKRect(cell.Left, 0, cell.Right, layout.HeaderHeight));
            canvas.DrawText(columnLabels[c], cell.MidX, layout.HeaderHeight / 2f + centre, SKTextAlign.Center, font, paint);
            canvas.Restore();
        }
    }
}
