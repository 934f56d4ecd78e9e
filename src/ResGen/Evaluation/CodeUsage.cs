using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>Usage and perplexity of one codebook level.</summary>
public sealed record LevelUsage(int Level, double UsedFraction, double Perplexity);

/// <summary>
/// Counts how often every code of every depth is chosen ([D, K] on the device, no host
/// synchronisation while counting) and turns the counts into usage and perplexity per level.
/// </summary>
public sealed class CodeUsage : IDisposable
{
    readonly Tensor counts;
    readonly int depth, codebookSize;

    public CodeUsage(int depth, int codebookSize, Device? device = null)
    {
        this.depth = depth;
        this.codebookSize = codebookSize;
        counts = torch.zeros(depth * codebookSize, ScalarType.Float64, device: device);
    }

    /// <summary>Adds indices [.., D]; negative entries (dropped depths) are ignored.</summary>
    public void Add(Tensor indices)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var idx = indices.reshape(-1, depth);
        var valid = (idx >= 0).to(ScalarType.Float64).reshape(-1);
        var flat = (idx.clamp_min(0) + torch.arange(depth, device: idx.device) * codebookSize).reshape(-1);
        counts.index_add_(0, flat.to(counts.device), valid.to(counts.device), 1);
    }

    public void Reset() => counts.zero_();

    /// <summary>Per level: share of the K codes used at least once, and exp(entropy) of the code frequencies.</summary>
    public IReadOnlyList<LevelUsage> Levels()
    {
        double[] c;
        using (var scope = torch.NewDisposeScope()) c = counts.cpu().data<double>().ToArray();
        var result = new List<LevelUsage>(depth);
        for (int j = 0; j < depth; j++)
        {
            double total = 0; int used = 0;
            for (int k = 0; k < codebookSize; k++) { double v = c[j * codebookSize + k]; total += v; if (v > 0) used++; }
            double h = 0;
            if (total > 0)
                for (int k = 0; k < codebookSize; k++)
                {
                    double p = c[j * codebookSize + k] / total;
                    if (p > 0) h -= p * Math.Log(p);
                }
            result.Add(new LevelUsage(j + 1, (double)used / codebookSize, Math.Exp(h)));
        }
        return result;
    }

    public void Dispose() => counts.Dispose();
}
