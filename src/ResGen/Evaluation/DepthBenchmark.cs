using ResGen.Generation;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>Sampling cost of one generator kind at one RVQ depth.</summary>
public sealed record DepthRow(string Kind, int Depth, int Tokens, int? Steps, int NetworkCalls, int NetworkPasses,
    double MsPerSampleBatch1, double MsPerSampleBatchN, int BatchN);

/// <summary>
/// How sampling time grows with the RVQ depth D, for same-size networks of any kind with untrained
/// weights (time does not depend on the weights): ResGen's steps, and so its network passes, do not
/// depend on D; an RQ-Transformer's sequential predictions grow as L·D.
/// </summary>
public static class DepthBenchmark
{
    public static IReadOnlyList<DepthRow> Run(GeneratorKind kind, IGeneratorConfig config, IReadOnlyList<int> depths, SamplerSettings settings,
        int batch, int repeats, Device device, IProgress<DepthRow>? progress = null)
    {
        var rows = new List<DepthRow>();
        foreach (var d in depths)
        {
            if (d < 1) throw new UserErrorException($"depths must be at least 1, got {d}.");
            torch.manual_seed(0);
            var layout = config.Tokens with { Depth = d };
            var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = d, CodebookSize = layout.CodebookSize, CodeDim = layout.CodeDim });
            using (torch.no_grad())
                for (int j = 0; j < d; j++) rvq.Codebooks[j].mul_(100f * MathF.Pow(0.5f, j));   // residual-like scales per depth
            rvq.eval();
            var model = kind.Build(config.WithTokens(layout, config.TokenizerHash), rvq);
            model.Module.to(device);
            rvq.to(device);
            model.Module.eval();
            int calls = 0, passes = 0;
            double Time(int b) => GeneratorEvaluation.SecondsPerSampleTokens(model, settings, config.Classes, b, repeats, device, r => (calls, passes) = (r.NetworkCalls, r.NetworkPasses));
            double t1 = Time(1), tN = Time(batch);
            var row = new DepthRow(kind.Name, d, layout.Positions * d, model.Stepwise ? settings.Steps : null, calls, passes, t1 * 1000, tN * 1000, batch);
            rows.Add(row);
            model.Module.Dispose();
            rvq.Dispose();
            progress?.Report(row);
        }
        return rows;
    }
}
