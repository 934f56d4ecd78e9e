using TorchSharp;
using ResGen.Data;
using ResGen.Training;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// Trains ResGen on a token cache: random depth-wise masking per example, mixture loss on the
/// masked embedding sums. Evaluation: the mixture NLL on held-out token grids under fixed masks
/// (the same masks every time, so the numbers are comparable across a run).
/// </summary>
public static class ResGenTraining
{
    public const string Kind = "resgen";

    public static IReadOnlyList<Metric> Run(ResGenRunConfig config, ResGenModel model, TokenCache train, TokenCache? validation,
        string runDirectory, bool resume, Device device, TextWriter? console = null, IProgress<TrainProgress>? progress = null,
        int validationGrids = 2000)
    {
        config.Validate();
        Check(config, train);
        var sampler = new BatchSampler(train.Count, config.Train.BatchSize, config.Train.Seed);
        long[]? valIdx = validation is null ? null : Enumerable.Range(0, Math.Min(validationGrids, validation.Count)).Select(i => (long)i).ToArray();
        var loop = new TrainingLoop<ResGenRunConfig>(model.Network, Kind, config, config.Train, runDirectory)
        {
            Device = device,
            Console = console,
            Progress = progress,
            Loss = (step, g) =>
            {
                var idx = sampler.Batch(step);
                return model.Loss(train.Indices(idx, device), train.Labels(idx, device), g);
            },
            Evaluate = valIdx is null ? null : _ => Validate(model, validation!, valIdx, device, config.Train.BatchSize),
        };
        return loop.Run(resume);
    }

    /// <summary>Mean mixture NLL (per latent dimension) of held-out grids under masks drawn from a fixed seed.</summary>
    public static IReadOnlyList<Metric> Validate(ResGenModel model, TokenCache data, long[] indices, Device device, int batchSize)
    {
        var g = new Generator(12345, device);
        double nll = 0, loss = 0;
        int batches = 0;
        for (int s = 0; s < indices.Length; s += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var part = indices[s..Math.Min(indices.Length, s + batchSize)];
            var r = model.Loss(data.Indices(part, device), data.Labels(part, device), g);
            loss += r.Loss.item<float>();
            nll += r.Parts.First(p => p.Name == "nll").Value.item<float>();
            batches++;
        }
        return [new Metric("val_loss", loss / batches), new Metric("val_nll", nll / batches)];
    }

    static void Check(ResGenRunConfig config, TokenCache cache)
    {
        var t = config.Tokens;
        if (cache.GridHeight != t.GridHeight || cache.GridWidth != t.GridWidth || cache.Depth != t.Depth || cache.CodebookSize != t.CodebookSize)
            throw new UserErrorException(
                $"the token cache holds {cache.GridHeight}×{cache.GridWidth}×{cache.Depth} grids with K = {cache.CodebookSize}, " +
                $"but the model is configured for {t.GridHeight}×{t.GridWidth}×{t.Depth} with K = {t.CodebookSize}.");
        if (cache.ClassCount > config.Model.Classes)
            throw new UserErrorException($"the token cache has {cache.ClassCount} classes but the model only {config.Model.Classes}.");
    }
}
