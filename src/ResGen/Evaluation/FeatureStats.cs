using System.Text;
using ResGen.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>
/// A Gaussian fitted to a set of feature vectors: mean, unbiased covariance (divided by n − 1,
/// as numpy's <c>cov</c> and FID implementations do) and the number of vectors, in float64, plus a
/// free-text <see cref="Source"/> saying what they were computed from (e.g. which classifier
/// weights and data), so that a cached file can be checked before it is reused.
/// </summary>
public sealed class FeatureStats
{
    const string Magic = "RGFSTAT1";
    const int FormatVersion = 1;

    /// <summary>Creates statistics from a mean [F] and a row-major covariance [F×F].</summary>
    public FeatureStats(double[] mean, double[] covariance, long count, string source = "")
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        ArgumentNullException.ThrowIfNull(source);
        if (mean.Length == 0) throw new ArgumentException("mean is empty.", nameof(mean));
        if (covariance.LongLength != (long)mean.Length * mean.Length)
            throw new ArgumentException($"covariance has {covariance.LongLength} entries but a {mean.Length}-d mean needs {(long)mean.Length * mean.Length}.", nameof(covariance));
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        Mean = mean;
        Covariance = covariance;
        Count = count;
        Source = source;
    }

    /// <summary>Feature dimension F.</summary>
    public int Dim => Mean.Length;
    /// <summary>The mean [F].</summary>
    public double[] Mean { get; }
    /// <summary>The covariance, row-major [F×F].</summary>
    public double[] Covariance { get; }
    /// <summary>Number of feature vectors the statistics were computed from.</summary>
    public long Count { get; }
    /// <summary>What the statistics were computed from (free text; empty if unknown).</summary>
    public string Source { get; }

    /// <summary>The mean as a float64 tensor [F] on <paramref name="device"/>.</summary>
    public Tensor MeanTensor(Device? device = null) => torch.tensor(Mean, [Dim], ScalarType.Float64, device);

    /// <summary>The covariance as a float64 tensor [F, F] on <paramref name="device"/>.</summary>
    public Tensor CovarianceTensor(Device? device = null) => torch.tensor(Covariance, [Dim, Dim], ScalarType.Float64, device);

    /// <summary>Statistics of all rows of <paramref name="features"/> [N, F] (N ≥ 2).</summary>
    public static FeatureStats FromFeatures(Tensor features, string source = "")
    {
        using var acc = new FeatureStatsAccumulator();
        acc.Add(features);
        return acc.ToStats(source);
    }

    /// <summary>Writes the statistics to a small binary file (atomically).</summary>
    public void Save(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(FormatVersion);
            w.Write(Dim);
            w.Write(Count);
            var source = Encoding.UTF8.GetBytes(Source);
            w.Write(source.Length);
            w.Write(source);
            foreach (var v in Mean) w.Write(v);
            foreach (var v in Covariance) w.Write(v);
        });
    }

    /// <summary>Reads statistics written by <see cref="Save"/>; a missing, truncated or foreign file is a <see cref="UserErrorException"/>.</summary>
    public static FeatureStats Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new UserErrorException($"Feature statistics file '{path}' does not exist.");
        var bytes = File.ReadAllBytes(path);
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic) throw new FormatException("it does not start with " + Magic);
            int version = r.ReadInt32();
            if (version != FormatVersion) throw new FormatException($"it has format version {version}, expected {FormatVersion}");
            int dim = r.ReadInt32();
            long count = r.ReadInt64();
            int sourceLength = r.ReadInt32();
            if (dim < 1 || count < 2 || sourceLength < 0) throw new FormatException($"its header (dim {dim}, count {count}) is invalid");
            long expected = Magic.Length + 4 + 4 + 8 + 4 + (long)sourceLength + 8L * (dim + (long)dim * dim);
            if (expected != bytes.LongLength) throw new FormatException($"it should be {expected} bytes but is {bytes.LongLength}");
            var source = Encoding.UTF8.GetString(r.ReadBytes(sourceLength));
            var mean = new double[dim];
            for (int i = 0; i < dim; i++) mean[i] = r.ReadDouble();
            var cov = new double[(long)dim * dim];
            for (long i = 0; i < cov.LongLength; i++) cov[i] = r.ReadDouble();
            return new FeatureStats(mean, cov, count, source);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException)
        {
            throw new UserErrorException($"Feature statistics file '{path}' is truncated or corrupt: {e.Message.TrimEnd('.')}.", e);
        }
    }
}

/// <summary>
/// Accumulates feature vectors batch by batch into <see cref="FeatureStats"/>: sums and sums of
/// outer products in float64 on the features' device, shifted by the first batch's mean so that
/// large offsets do not cost precision.
/// </summary>
public sealed class FeatureStatsAccumulator : IDisposable
{
    Tensor? shift, sum, outer;

    /// <summary>Vectors added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds the rows of <paramref name="features"/> [B, F].</summary>
    public void Add(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2) throw new ArgumentException($"expected features [B, F], got [{string.Join(", ", features.shape)}]", nameof(features));
        if (features.shape[0] == 0) return;
        if (shift is not null && features.shape[1] != shift.shape[0])
            throw new ArgumentException($"features have {features.shape[1]} columns but earlier batches had {shift.shape[0]}", nameof(features));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = features.detach().to(ScalarType.Float64);
        if (shift is null)
        {
            shift = x.mean([0]).DetachFromDisposeScope();
            sum = torch.zeros_like(shift).DetachFromDisposeScope();
            outer = torch.zeros(shift.shape[0], shift.shape[0], ScalarType.Float64, device: shift.device).DetachFromDisposeScope();
        }
        var d = x - shift;
        sum!.add_(d.sum([0]));   // not sum(0): a literal 0 binds to sum(ScalarType) and sums everything as bytes
        outer!.add_(d.t().matmul(d));
        Count += features.shape[0];
    }

    /// <summary>The statistics of everything added (at least two vectors).</summary>
    public FeatureStats ToStats(string source = "")
    {
        if (Count < 2) throw new InvalidOperationException($"need at least two feature vectors for a covariance, have {Count}.");
        using var scope = torch.NewDisposeScope();
        var meanShifted = sum! / Count;
        var cov = (outer! - Count * meanShifted.outer(meanShifted)) / (Count - 1);
        cov = (cov + cov.t()) / 2;
        var mean = (meanShifted + shift!).cpu();
        return new FeatureStats(mean.data<double>().ToArray(), cov.cpu().contiguous().data<double>().ToArray(), Count, source);
    }

    public void Dispose()
    {
        shift?.Dispose();
        sum?.Dispose();
        outer?.Dispose();
    }
}
