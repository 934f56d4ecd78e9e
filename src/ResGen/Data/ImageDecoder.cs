using SkiaSharp;

namespace ResGen.Data;

/// <summary>
/// Reads one image file into the pixels a model trains on: decoded by SkiaSharp (PNG, JPEG, WebP),
/// the centred square of side min(width, height) scaled to <c>size × size</c> (the same as resizing
/// the shorter side to <c>size</c> and cropping the centre), transparency composited on white, as RGB
/// or grey bytes in height, width, channel order. A file that cannot be read or decoded is one
/// sentence naming it (<see cref="UserErrorException"/>).
/// </summary>
public static class ImageDecoder
{
    /// <summary>Larger pictures are refused rather than decoded (a decompression bomb would take all memory).</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>Decodes <paramref name="path"/> to <c>size · size · channels</c> bytes (channels 1: grey, 3: RGB).</summary>
    public static byte[] Load(string path, int size, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), "channels must be 1 (grey) or 3 (RGB).");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"image '{path}' cannot be read: {e.Message.TrimEnd('.')}.", e);
        }
        if (bytes.Length == 0) throw new UserErrorException($"image '{path}' is empty (0 bytes).");

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new UserErrorException($"image '{path}' is not a PNG, JPEG or WebP picture that can be decoded.");
        var full = codec.Info;
        if (full.Width < 1 || full.Height < 1 || (long)full.Width * full.Height > MaxPixels)
            throw new UserErrorException($"image '{path}' declares {full.Width}×{full.Height} pixels, which cannot be decoded (at most {MaxPixels:N0}).");

        // JPEG and WebP decode faster at a reduced scale: the smallest that keeps twice the target size
        float scale = Math.Min(1f, 2f * size / Math.Min(full.Width, full.Height));
        var dims = codec.GetScaledDimensions(scale);
        if (Math.Min(dims.Width, dims.Height) < size) dims = new SKSizeI(full.Width, full.Height);
        var info = new SKImageInfo(dims.Width, dims.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new UserErrorException(result == SKCodecResult.IncompleteInput
                ? $"image '{path}' is truncated."
                : $"image '{path}' cannot be decoded ({result}).");
        }

        using var target = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        using (var image = SKImage.FromBitmap(decoded))
        {
            canvas.Clear(SKColors.White);
            int side = Math.Min(dims.Width, dims.Height);
            var source = SKRect.Create((dims.Width - side) / 2f, (dims.Height - side) / 2f, side, side);
            canvas.DrawImage(image, source, SKRect.Create(0, 0, size, size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }

        var rgba = target.Bytes;   // opaque after compositing on white: premultiplied = straight
        var pixels = new byte[size * size * channels];
        for (int p = 0; p < size * size; p++)
        {
            byte r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
            if (channels == 3)
            {
                pixels[3 * p] = r;
                pixels[3 * p + 1] = g;
                pixels[3 * p + 2] = b;
            }
            else
            {
                pixels[p] = (byte)Math.Clamp(Math.Round(0.299 * r + 0.587 * g + 0.114 * b), 0, 255);
            }
        }
        return pixels;
    }

    /// <summary>Width and height from the file's header alone (no pixel decoding); null when it is not a readable picture.</summary>
    public static (int Width, int Height)? ReadSize(string path)
    {
        try
        {
            using var codec = SKCodec.Create(path);
            return codec is null ? null : (codec.Info.Width, codec.Info.Height);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
