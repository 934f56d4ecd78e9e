using SkiaSharp;

namespace ResGen.Imaging;

/// <summary>Writes PNG files atomically, so a viewer never sees a half-written image.</summary>
public static class PngFile
{
    /// <summary>Encodes <paramref name="bitmap"/> as PNG and writes it to <paramref name="path"/> via a temporary file.</summary>
    /// <param name="bitmap">The picture.</param>
    /// <param name="path">Destination file; its folder is created if needed.</param>
    public static void Write(SKBitmap bitmap, string path)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var image = SKImage.FromBitmap(bitmap)
            ?? throw new InvalidOperationException($"SkiaSharp could not snapshot a {bitmap.Width}x{bitmap.Height} bitmap.");
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode '{path}' as PNG.");
        IO.AtomicFile.Write(path, stream => data.SaveTo(stream));
    }
}
