using ResGen.Conditioning;
using ResGen.Data;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// Trains any generator on a token cache with the shared <see cref="TrainingLoop{TConfig}"/>: the same
/// batches, optimizer, schedule, EMA and checkpoints for every kind. Validation: the loss and the
/// model's own NLL on held-out sequences under randomness from a fixed seed (the same masks every
/// time, so the numbers are comparable across a run), in eval mode (no label dropout).
/// </summary>
public static class GeneratorTraining
{
    public static IReadOnlyList<Metric> Run<TConfig>(TConfig config, IGenerator model, IGeneratorData train, IGeneratorData? validation,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        int validationGrids = 2000, CancellationToken stop = default) where TConfig : IGeneratorConfig
    {
        config.Validate();
        train.Check(config);
        validation?.Check(config);
        var sampler = new BatchSampler(train.Count, config.Train.BatchSize, config.Train.Seed);
        long[]? valIdx = validation is null ? null : Enumerable.Range(0, Math.Min(validationGrids, validation.Count)).Select(i => (long)i).ToArray();
        var loop = new TrainingLoop<TConfig>(model.Module, model.Kind, config, config.Train, runDirectory)
        {
            Device = device,
            Console = console,
            Progress = progress,
            Stop = stop,
            Loss = (step, g) =>
            {
                var (tokens, condition) = train.Batch(sampler.Batch(step), StepRandom(config.Train.Seed, step), device);
                return model.Loss(tokens, condition, g);
            },
            Evaluate = valIdx is null ? null : _ => Validate(model, validation!, valIdx, device, config.Train.BatchSize),
        };
        return loop.Run(resume);
    }

    /// <summary>Token caches (class-labelled images).</summary>
    public static IReadOnlyList<Metric> Run<TConfig>(TConfig config, IGenerator model, TokenCache train, TokenCache? validation,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        int validationGrids = 2000, CancellationToken stop = default) where TConfig : IGeneratorConfig
        => Run(config, model, new TokenCacheData(train), validation is null ? null : new TokenCacheData(validation), runDirectory, resume, device,
               console, progress, validationGrids, stop);

    /// <summary>The randomness a batch is made with at <paramref name="step"/>: a function of the seed and step only, so a resumed run repeats it.</summary>
    public static Random StepRandom(long seed, long step)
    {
        // splitmix64 of (seed, step): stable across processes, unlike HashCode
        ulong z = unchecked(((ulong)seed * 0x9E3779B97F4A7C15UL) + (ulong)step + 0x5EEDUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return new Random((int)((z ^ (z >> 31)) & 0x7FFFFFFF));
    }

    /// <summary>
    /// Mean loss and NLL of held-out sequences, randomness from a fixed seed; call in eval mode. For a
    /// text condition also <c>val_nll_other_text</c>: the NLL under the same masks with each example given
    /// another's phonemes. A model that reads its text scores higher there; one that ignores it, the same.
    /// </summary>
    public static IReadOnlyList<Metric> Validate(IGenerator model, IGeneratorData data, long[] indices, Device device, int batchSize)
    {
        using var g = new Generator(12345, device);
        double nll = 0, loss = 0, other = 0;
        int batches = 0, otherBatches = 0;
        using var _ = torch.no_grad();
        for (int s = 0; s < indices.Length; s += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var part = indices[s..Math.Min(indices.Length, s + batchSize)];
            var (tokens, condition) = data.Batch(part, StepRandom(12345, s), device);
            var state = condition is PhonemeCondition && part.Length > 1 ? g.get_state() : null;
            var r = model.Loss(tokens, condition, g);
            loss += r.Loss.item<float>();
            nll += NllOf(r);
            batches++;
            if (state is not null)
            {
                // the same masks again, each example with another's text
                var after = g.get_state();
                g.set_state(state);
                other += NllOf(model.Loss(tokens, ((PhonemeCondition)condition).Rotated(), g));
                g.set_state(after);
                otherBatches++;
            }
        }
        var metrics = new List<Metric> { new("val_loss", loss / batches), new("val_nll", nll / batches) };
        if (otherBatches > 0) metrics.Add(new Metric("val_nll_other_text", other / otherBatches));
        return metrics;
    }

    static double NllOf(LossBreakdown r) => r.Parts.First(p => p.Name == "nll").Value.item<float>();

    /// <summary>Throws when a token cache does not hold the tokens the config was made for.</summary>
    public static void Check(IGeneratorConfig config, TokenCache cache)
    {
        var t = config.Tokens;
        if (cache.GridHeight != t.GridHeight || cache.GridWidth != t.GridWidth || cache.Depth != t.Depth || cache.CodebookSize != t.CodebookSize)
            throw new UserErrorException(
                $"the token cache holds {cache.GridHeight}×{cache.GridWidth}×{cache.Depth} grids with K = {cache.CodebookSize}, " +
                $"but the model is configured for {t.GridHeight}×{t.GridWidth}×{t.Depth} with K = {t.CodebookSize}.");
        if (cache.ClassCount > config.Classes)
            throw new UserErrorException($"the token cache has {cache.ClassCount} classes but the model only {config.Classes}.");
    }

    /// <summary>The token layout of a cache whose codes have <paramref name="codeDim"/> dimensions.</summary>
    public static TokenLayout LayoutOf(TokenCache cache, int codeDim)
        => new() { GridHeight = cache.GridHeight, GridWidth = cache.GridWidth, Depth = cache.Depth, CodebookSize = cache.CodebookSize, CodeDim = codeDim };
}
