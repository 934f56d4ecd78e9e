using System.Globalization;
using System.Text;
using ResGen.Training;
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

    /// <summary>
    /// Writes the statistics atomically as a safetensors file (readable from Python): <c>mean</c> [F] and
    /// <c>covariance</c> [F, F] in float64, and in its <c>__metadata__</c> <c>format</c>
    /// (<c>resgen-feature-stats</c>), <c>format_version</c>, <c>count</c> and <c>source</c>.
    /// </summary>
    public void Save(string path)
    {
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["mean"] = MeanTensor(),
            ["covariance"] = CovarianceTensor(),
        };
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["count"] = Count.ToString(CultureInfo.InvariantCulture),
            ["source"] = Source,
        };
        SafetensorsFile.WriteAtomic(path, tensors, metadata);
    }

    /// <summary>Reads statistics written by <see cref="Save"/>; a missing, truncated, foreign or damaged file is a <see cref="UserErrorException"/>.</summary>
    public static FeatureStats Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string what = $"feature statistics file '{path}'";
        if (!File.Exists(path)) throw new UserErrorException($"Feature statistics file '{path}' does not exist.");
        if (StartsWithOldMagic(path))
            throw new UserErrorException($"Feature statistics file '{path}' is in the old {OldMagic} format, which this version no longer reads; delete it so that it is computed anew.");
        var header = SafetensorsFile.ReadHeader(path, what);
        var meta = header.Metadata;
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new UserErrorException($"File '{path}' is not a feature statistics file: its safetensors metadata lacks \"format\": \"{Format}\".");
        if (!meta.TryGetValue("format_version", out var version) || version != FormatVersion.ToString(CultureInfo.InvariantCulture))
            throw Corrupt(path, $"its format version is '{version}', but this build reads only version {FormatVersion}");
        if (!meta.TryGetValue("count", out var countText) || !long.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count < 2)
            throw Corrupt(path, $"its metadata \"count\" is '{countText}', not a whole number of at least 2");
        if (!meta.TryGetValue("source", out var source)) throw Corrupt(path, "its metadata lacks \"source\"");
        var names = header.Tensors.Keys.Order(StringComparer.Ordinal).ToList();
        if (!names.SequenceEqual(["covariance", "mean"]))
            throw Corrupt(path, $"it holds the tensors [{string.Join(", ", names)}] instead of [covariance, mean]");
        var (m, c) = (header.Tensors["mean"], header.Tensors["covariance"]);
        if (m.DType != "F64" || c.DType != "F64")
            throw Corrupt(path, $"its mean is {m.DType} and its covariance {c.DType}, but both must be F64");
        if (m.Shape.Length != 1 || m.Shape[0] < 1 || !c.Shape.SequenceEqual([m.Shape[0], m.Shape[0]]))
            throw Corrupt(path, $"its mean {StateDictDiff.Shape(m.Shape)} and covariance {StateDictDiff.Shape(c.Shape)} are not [F] and [F, F]");

        using var scope = torch.NewDisposeScope();
        var tensors = SafetensorsFile.Load(path, what);
        Checkpoint.CheckFinite(tensors, $"Feature statistics file '{path}'");
        return new FeatureStats(tensors["mean"].data<double>().ToArray(), tensors["covariance"].data<double>().ToArray(), count, source);
    }

    const string Format = "resgen-feature-stats";
    const int FormatVersion = 1;
    const string OldMagic = "RGFSTAT1";

    static bool StartsWithOldMagic(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[OldMagic.Length];
            return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && Encoding.ASCII.GetString(head) == OldMagic;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"Feature statistics file '{path}' cannot be read: {e.Message.TrimEnd('.')}.", e);
        }
    }

    static UserErrorException Corrupt(string path, string detail) => new($"Feature statistics file '{path}' is corrupt: {detail}.");
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
