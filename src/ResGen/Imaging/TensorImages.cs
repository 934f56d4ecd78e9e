using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Imaging;

/// <summary>
/// Converts image tensors in [-1, 1] (grey or RGB, channels first) into SkiaSharp images.
/// </summary>
public static class TensorImages
{
    /// <summary>
    /// Converts a batch [N, C, H, W] (C = 1 or 3, any float dtype and device) to N opaque images.
    /// Values are clamped to [-1, 1] and mapped linearly to 0..255.
    /// </summary>
    /// <param name="images">The batch.</param>
    /// <returns>N new images the caller disposes.</returns>
    public static SKImage[] ToImages(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
        {
            throw new ArgumentException(
                $"Expected an image batch [N, C, H, W], got shape [{string.Join(", ", images.shape)}].", nameof(images));
        }
        int n = (int)images.shape[0];
        int c = (int)images.shape[1];
        int h = (int)images.shape[2];
        int w = (int)images.shape[3];
        if (c != 1 && c != 3)
        {
            throw new ArgumentException($"Images must have 1 or 3 channels, got {c}.", nameof(images));
        }
        if (!images.is_floating_point())
        {
            throw new ArgumentException($"Images must be a float tensor in [-1, 1], got {images.dtype}.", nameof(images));
        }

        byte[] bytes = ToBytes(images);
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var result = new SKImage[n];
        int plane = h * w;
        var rgba = new byte[plane * 4];
        for (int i = 0; i < n; i++)
        {
            int offset = i * c * plane;
            for (int p = 0; p < plane; p++)
            {
                byte r = bytes[offset + p];
                byte g = c == 3 ? bytes[offset + plane + p] : r;
                byte b = c == 3 ? bytes[offset + 2 * plane + p] : r;
                rgba[4 * p] = r;
                rgba[4 * p + 1] = g;
                rgba[4 * p + 2] = b;
                rgba[4 * p + 3] = 255;
            }
            result[i] = SKImage.FromPixelCopy(info, rgba, info.RowBytes)
                ?? throw new InvalidOperationException($"SkiaSharp could not create a {w}x{h} image.");
        }
        return result;
    }

    /// <summary>Converts one image [C, H, W] to an opaque image the caller disposes.</summary>
    /// <param name="image">The image tensor.</param>
    /// <returns>A new image.</returns>
    public static SKImage ToImage(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3)
        {
            throw new ArgumentException(
                $"Expected one image [C, H, W], got shape [{string.Join(", ", image.shape)}].", nameof(image));
        }
        using var batch = image.unsqueeze(0);
        return ToImages(batch)[0];
    }

    private static byte[] ToBytes(Tensor images)
    {
        using var scope = NewDisposeScope();
        var quantised = images.detach().to(ScalarType.Float32).cpu()
            .clamp(-1.0, 1.0).add(1.0).mul(127.5).round().to(ScalarType.Byte).contiguous();
        var bytes = new byte[quantised.numel()];
        quantised.data<byte>().CopyTo(bytes, 0);
        return bytes;
    }
}
