using ResGen.Conditioning;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>A batch of generated images: labels, images [n, C, H, W] in [-1, 1] on the CPU, and the network calls and passes each cost.</summary>
public sealed record ImageBatch(int Start, long[] Labels, Tensor Images, int NetworkCalls, int NetworkPasses) : IDisposable
{
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// A trained generator of any kind joined to its image tokenizer: class-conditional images in
/// batches, streamed so that memory depends on the batch size, not on the number of samples.
/// What `resgen sample`, `eval` and `bench` use, and any other program can.
/// </summary>
public sealed class ImageSampling
{
    public ImageSampling(ImageTokenizer tokenizer, IGenerator generator, IGeneratorConfig config, Device device)
    {
        Tokenizer = tokenizer;
        Generator = generator;
        Config = config;
        Device = device;
    }

    /// <summary>Loads a tokenizer checkpoint and a generator checkpoint of any kind trained on its tokens.</summary>
    public static ImageSampling Load(string generatorCheckpoint, string tokenizerCheckpoint, Device device)
    {
        var (tok, _, hash) = TokenizerCheckpoint.Load(tokenizerCheckpoint, device);
        return Load(generatorCheckpoint, tok, hash, device);
    }

    /// <summary>A generator checkpoint of any kind on an already loaded tokenizer (whose config hash it must have been trained on).</summary>
    public static ImageSampling Load(string generatorCheckpoint, ImageTokenizer tokenizer, string tokenizerHash, Device device)
    {
        var (gen, cfg) = GeneratorKinds.Load(generatorCheckpoint, tokenizer.Quantizer, tokenizerHash, device);
        return new ImageSampling(tokenizer, gen, cfg, device);
    }

    public ImageTokenizer Tokenizer { get; }
    public IGenerator Generator { get; }
    public IGeneratorConfig Config { get; }
    public Device Device { get; }
    /// <summary>Classes the generator knows.</summary>
    public int Classes => Config.Classes;

    /// <summary>Token sequences [B, L, D] for class labels, in one batch.</summary>
    public SampleResult SampleTokens(long[] labels, SamplerSettings settings, Generator generator, bool keepSteps = false)
    {
        CheckLabels(labels);
        using var scope = torch.NewDisposeScope();
        var request = new SampleRequest(ClassCondition.Of(labels, Device), settings) { KeepSteps = keepSteps };
        var r = Generator.Sample(request, generator);
        return r with { Indices = r.Indices.MoveToOuterDisposeScope() };
    }

    /// <summary>
    /// Images for the labels, <paramref name="batchSize"/> at a time, one seed for the whole run
    /// (same seed, labels and batch size: same images). Each batch is on the CPU; dispose it when done.
    /// </summary>
    /// <remarks>Labels are read one batch at a time, so a <see cref="ClassLabels"/> run of any length holds only its batch.</remarks>
    public IEnumerable<ImageBatch> Generate(IReadOnlyList<long> labels, SamplerSettings settings, long seed, int batchSize)
    {
        if (batchSize < 1) throw new UserErrorException($"batch size must be at least 1, got {batchSize}.");
        CheckLabels(labels is ClassLabels c ? c.Classes.Select(x => (long)x).ToArray() : labels);
        settings.Validate();
        return Batches(labels, settings, seed, batchSize);
    }

    IEnumerable<ImageBatch> Batches(IReadOnlyList<long> labels, SamplerSettings settings, long seed, int batchSize)
    {
        using var gen = new Generator((ulong)seed, Device);
        for (int s = 0; s < labels.Count; s += batchSize)
        {
            var part = new long[Math.Min(labels.Count - s, batchSize)];
            for (int i = 0; i < part.Length; i++) part[i] = labels[s + i];
            Tensor images;
            int calls, passes;
            using (var scope = torch.NewDisposeScope())
            {
                var r = SampleTokens(part, settings, gen);
                (calls, passes) = (r.NetworkCalls, r.NetworkPasses);
                images = Tokenizer.Decode(r.Indices).clamp(-1, 1).cpu().DetachFromDisposeScope();
            }
            yield return new ImageBatch(s, part, images, calls, passes);
        }
    }

    /// <summary>All images for the labels in one tensor [N, C, H, W] (CPU), and the network calls and passes per sample.</summary>
    public (Tensor Images, int Calls, int Passes) GenerateAll(long[] labels, SamplerSettings settings, long seed, int batchSize, IProgress<double>? progress = null)
    {
        var parts = new List<Tensor>();
        int calls = 0, passes = 0;
        foreach (var b in Generate(labels, settings, seed, batchSize))
        {
            parts.Add(b.Images);
            (calls, passes) = (b.NetworkCalls, b.NetworkPasses);
            progress?.Report(b.Start + b.Labels.Length);
        }
        var all = torch.cat(parts);
        foreach (var p in parts) p.Dispose();
        return (all, calls, passes);
    }

    /// <summary>Images decoded from the visible tokens of every intermediate step: [steps, n, C, H, W] (CPU).</summary>
    public (Tensor Frames, IReadOnlyList<int> Steps) StepFrames(long[] labels, SamplerSettings settings, long seed)
    {
        using var scope = torch.NewDisposeScope();
        using var gen = new Generator((ulong)seed, Device);
        var r = SampleTokens(labels, settings, gen, keepSteps: true);
        var frames = r.Steps.Select(s => Tokenizer.DecodeLatent(Tokenizer.Quantizer.EmbedPrefix(s.Indices, s.Visible)).clamp(-1, 1).cpu()).ToArray();
        foreach (var s in r.Steps) { s.Indices.Dispose(); s.Visible.Dispose(); }
        return (torch.stack(frames).MoveToOuterDisposeScope(), r.Steps.Select(s => s.Step).ToList());
    }

    void CheckLabels(IReadOnlyList<long> labels)
    {
        if (labels.Count == 0) throw new UserErrorException("nothing to sample: no labels given.");
        foreach (var y in labels)
            if (y < 0 || y >= Classes) throw new UserErrorException($"class {y} is out of range: the generator knows classes 0..{Classes - 1}.");
    }
}
