using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Data;

/// <summary>
/// A labelled set of 8-bit images held in memory, with helpers that turn slices or random
/// batches into tensors. Pixels are stored per image in row-major height, width, channel order.
/// </summary>
public sealed class ImageDataset : ITrainingImages
{
    private static readonly float[] ByteToUnit = BuildLookup();

    /// <summary>Creates a data set and checks that the arrays match the declared sizes.</summary>
    /// <param name="pixels">Pixel bytes, <c>count * height * width * channels</c> long, image by image in HWC order.</param>
    /// <param name="labels">One class index per image.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="channels">Channels per pixel (1 for grey, 3 for RGB).</param>
    /// <param name="classNames">Human-readable class names; every label must index into it.</param>
    public ImageDataset(byte[] pixels, byte[] labels, int count, int height, int width, int channels, string[] classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        long expected = (long)count * height * width * channels;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"pixels has {pixels.LongLength} bytes but count={count}, height={height}, width={width}, " +
                $"channels={channels} needs {expected}.", nameof(pixels));
        }
        if (labels.Length != count)
        {
            throw new ArgumentException($"labels has {labels.Length} entries but count={count}.", nameof(labels));
        }
        if (classNames.Length == 0)
        {
            throw new ArgumentException("classNames is empty.", nameof(classNames));
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classNames.Length)
            {
                throw new ArgumentException(
                    $"labels[{i}] = {labels[i]} but there are only {classNames.Length} class names.", nameof(labels));
            }
        }

        Pixels = pixels;
        Labels = labels;
        Count = count;
        Height = height;
        Width = width;
        Channels = channels;
        ClassNames = classNames;
    }

    /// <summary>Pixel bytes, image by image, each in row-major height, width, channel order.</summary>
    public byte[] Pixels { get; }

    /// <summary>Class index of each image.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Channels per pixel.</summary>
    public int Channels { get; }

    /// <summary>Class names, indexed by label.</summary>
    public string[] ClassNames { get; }

    /// <summary>Batches straight from memory.</summary>
    public IStepBatches Batches(Func<long, long[]> batchOfStep) => new Direct(this, batchOfStep);

    sealed class Direct(ImageDataset data, Func<long, long[]> batchOfStep) : IStepBatches
    {
        public (Tensor Images, Tensor Labels) Get(long step, Device? device = null)
        {
            var indices = batchOfStep(step);
            return (data.Batch(indices, device), data.LabelsTensor(indices, device));
        }

        public void Dispose() { }
    }

    /// <summary>Bytes per image (<c>Height * Width * Channels</c>).</summary>
    public int ImageSize => Height * Width * Channels;

    /// <summary>Resolves a class index, name or unambiguous abbreviation; see <see cref="Data.ClassNames.Parse"/>.</summary>
    /// <param name="nameOrIndex">What the user typed.</param>
    /// <returns>The class index.</returns>
    public int ParseClass(string nameOrIndex) => Data.ClassNames.Parse(ClassNames, nameOrIndex);

    /// <summary>Images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 as float32 [B, C, H, W] in [-1, 1].</summary>
    /// <param name="start">Index of the first image.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <returns>A new tensor.</returns>
    public Tensor ToTensor(int start, int count, Device? device = null)
    {
        CheckRange(start, count);
        return Batch(Enumerable.Range(start, count).Select(i => (long)i).ToArray(), device);
    }

    /// <summary>The images at <paramref name="indices"/> (in that order, repeats allowed) as float32 [B, C, H, W] in [-1, 1].</summary>
    /// <param name="indices">Image indices.</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <returns>A new tensor.</returns>
    public Tensor Batch(long[] indices, Device? device = null)
    {
        CheckIndices(indices);
        int plane = Height * Width;
        int imageSize = ImageSize;
        var values = new float[(long)indices.Length * imageSize];
        for (int b = 0; b < indices.Length; b++)
        {
            var source = Pixels.AsSpan(checked((int)(indices[b] * imageSize)), imageSize);
            var target = values.AsSpan(b * imageSize, imageSize);
            if (Channels == 1)
            {
                for (int p = 0; p < plane; p++)
                {
                    target[p] = ByteToUnit[source[p]];
                }
                continue;
            }
            // HWC bytes -> CHW floats.
            for (int p = 0; p < plane; p++)
            {
                for (int c = 0; c < Channels; c++)
                {
                    target[c * plane + p] = ByteToUnit[source[p * Channels + c]];
                }
            }
        }
        return torch.tensor(values, [indices.Length, Channels, Height, Width], device: device);
    }

    /// <summary>Labels of images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 as int64 [B].</summary>
    /// <param name="start">Index of the first image.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <returns>A new tensor.</returns>
    public Tensor LabelsTensor(int start, int count, Device? device = null)
    {
        CheckRange(start, count);
        return LabelsTensor(Enumerable.Range(start, count).Select(i => (long)i).ToArray(), device);
    }

    /// <summary>Labels of the images at <paramref name="indices"/> as int64 [B].</summary>
    /// <param name="indices">Image indices.</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <returns>A new tensor.</returns>
    public Tensor LabelsTensor(long[] indices, Device? device = null)
    {
        CheckIndices(indices);
        var values = new long[indices.Length];
        for (int b = 0; b < indices.Length; b++)
        {
            values[b] = Labels[indices[b]];
        }
        return torch.tensor(values, [indices.Length], device: device);
    }

    private void CheckRange(int start, int count)
    {
        if (start < 0 || count < 0 || (long)start + count > Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(start), $"Range start={start}, count={count} does not fit in a data set of {Count} images.");
        }
    }

    private void CheckIndices(long[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        for (int i = 0; i < indices.Length; i++)
        {
            if (indices[i] < 0 || indices[i] >= Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), $"indices[{i}] = {indices[i]} is outside 0..{Count - 1}.");
            }
        }
    }

    private static float[] BuildLookup()
    {
        var table = new float[256];
        for (int v = 0; v < 256; v++)
        {
            table[v] = v / 127.5f - 1f;
        }
        return table;
    }
}
