using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Data;

/// <summary>
/// The images of an <see cref="ImageFolder"/> at one size, decoded from disk when a batch asks for
/// them, on background threads. Decoded images are kept up to a memory cap (a small data set is read
/// once; a large one streams with memory bounded by the cap and the batches in flight). With
/// <c>skipBad</c>, a file that cannot be decoded is counted and replaced by the next readable image
/// of the set; without it, it is one sentence naming the file.
/// </summary>
public sealed class ImageFolderDataset : ITrainingImages
{
    readonly ConcurrentDictionary<int, byte[]> _cache = new();
    readonly ConcurrentDictionary<int, string> _bad = new();
    long _cachedBytes;

    /// <param name="folder">The scanned folder.</param>
    /// <param name="size">Side of the square images, in pixels.</param>
    /// <param name="channels">3 (RGB) or 1 (grey).</param>
    /// <param name="skipBad">Replace unreadable files instead of stopping.</param>
    /// <param name="cacheBytes">Decoded images kept in memory at most.</param>
    /// <param name="threads">Decoding threads (default: the cores).</param>
    public ImageFolderDataset(ImageFolder folder, int size, int channels, bool skipBad = false, long cacheBytes = 1L << 30, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (size < 1) throw new UserErrorException($"the image size must be at least 1 pixel, got {size}.");
        if (channels is not (1 or 3)) throw new UserErrorException($"images have 1 (grey) or 3 (RGB) channels, not {channels}.");
        Folder = folder;
        Size = size;
        Channels = channels;
        SkipBad = skipBad;
        CacheBytes = Math.Max(0, cacheBytes);
        Threads = Math.Max(1, threads ?? Environment.ProcessorCount);
    }

    public ImageFolder Folder { get; }
    public int Size { get; }
    public int Channels { get; }
    public bool SkipBad { get; }
    public long CacheBytes { get; }
    public int Threads { get; }
    public int Count => Folder.Files.Count;
    public int Height => Size;
    public int Width => Size;
    public string[] ClassNames => Folder.ClassNames;
    /// <summary>Files that could not be decoded so far (with <c>skipBad</c>), with the reason.</summary>
    public IReadOnlyDictionary<int, string> BadFiles => _bad;

    /// <summary>The decoded bytes of image <paramref name="index"/> (HWC), from the cache or the file.</summary>
    public byte[] Image(int index)
    {
        for (int tries = 0; tries < Count; tries++, index = (index + 1) % Count)
        {
            if (_cache.TryGetValue(index, out var cached)) return cached;
            if (_bad.ContainsKey(index)) continue;
            try
            {
                var pixels = ImageDecoder.Load(Folder.Files[index].Path, Size, Channels);
                if (Interlocked.Add(ref _cachedBytes, pixels.Length) <= CacheBytes) _cache.TryAdd(index, pixels);
                else Interlocked.Add(ref _cachedBytes, -pixels.Length);
                return pixels;
            }
            catch (UserErrorException e) when (SkipBad)
            {
                _bad.TryAdd(index, e.Message);
            }
        }
        throw new UserErrorException($"no image of '{Folder.Root}' could be decoded.");
    }

    /// <summary>Decodes the images of a batch in parallel: <c>indices.Length · size · size · channels</c> bytes.</summary>
    public byte[] DecodeBatch(long[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int imageSize = Size * Size * Channels;
        var bytes = new byte[(long)indices.Length * imageSize];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        try
        {
            Parallel.For(0, indices.Length, options, b => Image(checked((int)indices[b])).CopyTo(bytes, (long)b * imageSize));
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is UserErrorException) is { } user)
        {
            throw user;
        }
        return bytes;
    }

    /// <summary>The labels of the images at <paramref name="indices"/>.</summary>
    public long[] Labels(long[] indices) => [.. indices.Select(i => (long)Folder.Files[checked((int)i)].Label)];

    /// <summary>The images at <paramref name="indices"/> as float32 [B, C, H, W] in [-1, 1].</summary>
    public Tensor Batch(long[] indices, Device? device = null) => ToTensor(DecodeBatch(indices), indices.Length, device);

    /// <summary>Labels as int64 [B].</summary>
    public Tensor LabelsTensor(long[] indices, Device? device = null) => torch.tensor(Labels(indices), [indices.Length], device: device);

    /// <summary>Decoded batch bytes (HWC per image) as float32 [B, C, H, W] in [-1, 1].</summary>
    public Tensor ToTensor(byte[] bytes, int count, Device? device = null)
    {
        using var scope = torch.NewDisposeScope();
        var hwc = torch.tensor(bytes, [count, Size, Size, Channels]);
        var x = hwc.permute(0, 3, 1, 2).to(ScalarType.Float32).div_(127.5f).sub_(1f).contiguous();
        return (device is null ? x : x.to(device)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Batches for a run of steps, each decoded ahead on background threads: at most
    /// <paramref name="depth"/> batches wait in memory, so training does not wait on the disk
    /// while memory stays bounded.
    /// </summary>
    /// <param name="batchOfStep">The image indices of a step (e.g. <see cref="BatchSampler.Batch"/>).</param>
    /// <param name="firstStep">The first step that will be asked for.</param>
    /// <param name="depth">Batches decoded ahead.</param>
    public Prefetcher Prefetch(Func<long, long[]> batchOfStep, long firstStep, int depth = 4) => new(this, batchOfStep, firstStep, depth);

    /// <summary>The batches of a training run from step 1, decoded four steps ahead.</summary>
    public IStepBatches Batches(Func<long, long[]> batchOfStep) => Prefetch(batchOfStep, 1);

    /// <summary>All images in memory as an <see cref="ImageDataset"/> (for sets that fit: evaluation, small data); progress as a fraction.</summary>
    public ImageDataset ToMemory(IProgress<double>? progress = null, int chunk = 512)
    {
        int imageSize = Size * Size * Channels;
        var pixels = new byte[(long)Count * imageSize];
        for (int s = 0; s < Count; s += chunk)
        {
            var idx = Enumerable.Range(s, Math.Min(chunk, Count - s)).Select(i => (long)i).ToArray();
            DecodeBatch(idx).CopyTo(pixels, (long)s * imageSize);
            progress?.Report((double)(s + idx.Length) / Count);
        }
        if (ClassNames.Length > 256)
            throw new UserErrorException($"'{Folder.Root}' has {ClassNames.Length} classes; data sets held in memory take at most 256 (stream larger ones).");
        var labels = Folder.Files.Select(f => (byte)f.Label).ToArray();
        return new ImageDataset(pixels, labels, Count, Size, Size, Channels, ClassNames);
    }

    /// <summary>See <see cref="Prefetch"/>.</summary>
    public sealed class Prefetcher : IStepBatches
    {
        readonly ImageFolderDataset _data;
        readonly Func<long, long[]> _batchOfStep;
        readonly int _depth;
        readonly Dictionary<long, Task<(long[] Indices, byte[] Bytes)>> _pending = [];
        long _next;

        internal Prefetcher(ImageFolderDataset data, Func<long, long[]> batchOfStep, long firstStep, int depth)
        {
            _data = data;
            _batchOfStep = batchOfStep;
            _depth = Math.Max(1, depth);
            _next = firstStep;
            Fill(firstStep);
        }

        /// <summary>Images and labels of <paramref name="step"/>; steps are asked for in order.</summary>
        public (Tensor Images, Tensor Labels) Get(long step, Device? device = null)
        {
            if (!_pending.Remove(step, out var task))
            {
                // a jump (e.g. a resumed run): forget what was decoded ahead and start again here
                _pending.Clear();                      // batches decoded ahead for other steps are dropped
                _next = step;
                Fill(step);
                _pending.Remove(step, out task);
            }
            Fill(step + 1);
            (long[] indices, byte[] bytes) = task!.GetAwaiter().GetResult();   // a decoding error arrives as itself
            return (_data.ToTensor(bytes, indices.Length, device), torch.tensor(_data.Labels(indices), [indices.Length], device: device));
        }

        void Fill(long from)
        {
            _next = Math.Max(_next, from);
            while (_next < from + _depth)
            {
                long step = _next++;
                _pending[step] = Task.Run(() =>
                {
                    var indices = _batchOfStep(step);
                    return (indices, _data.DecodeBatch(indices));
                });
            }
        }

        public void Dispose()
        {
            try { Task.WaitAll([.. _pending.Values]); }
            catch (AggregateException) { }
            _pending.Clear();
        }
    }
}
