using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// Mel-cepstral distortion (MCD, in dB) between log-mel spectrograms.
/// </summary>
/// <remarks>
/// <para>Mel-cepstrum of a frame of M natural-log mel magnitudes x_n: the DCT-II scaled as a real
/// cepstrum, c_k = (1/M) Σ_n x_n cos(π k (n + ½) / M), so that x_n ≈ c_0 + 2 Σ_k c_k cos(π k (n + ½) / M).
/// c_0 (loudness) is left out; coefficients 1..K count, K = 13 by default (the spectral envelope;
/// finer coefficients describe the harmonics of the pitch).</para>
/// <para>Per frame pair: MCD = (10 / ln 10) · √(2 Σ_{k=1..K} (c_k − c'_k)²), Kubichek's formula;
/// by Parseval it is the RMS difference of the envelope-smoothed log magnitudes in "10 log10" dB.
/// An utterance's MCD is the mean over its frame pairs: frame by frame when both have the same
/// frames (a tokenizer's reconstruction), or along the dynamic-time-warping path
/// (Euclidean cepstral distance, <see cref="DynamicTimeWarping"/>) for two utterances of different
/// length (synthesised against recorded speech).</para>
/// </remarks>
public static class MelCepstralDistortion
{
    /// <summary>Cepstral coefficients compared by default (1..13).</summary>
    public const int DefaultCoefficients = 13;

    /// <summary>10 √2 / ln 10: turns a Euclidean cepstral distance into dB.</summary>
    public static readonly double DecibelScale = 10 * Math.Sqrt(2) / Math.Log(10);

    /// <summary>The DCT rows for coefficients 1..K over M bands [K, M] (float32).</summary>
    public static Tensor Basis(int melBins, int coefficients = DefaultCoefficients, Device? device = null)
    {
        if (coefficients < 1 || coefficients >= melBins)
            throw new ArgumentOutOfRangeException(nameof(coefficients), coefficients, $"coefficients must be in 1..{melBins - 1} for {melBins} mel bands");
        var w = new float[coefficients * melBins];
        for (int k = 1; k <= coefficients; k++)
            for (int n = 0; n < melBins; n++)
                w[(k - 1) * melBins + n] = (float)(Math.Cos(Math.PI * k * (n + 0.5) / melBins) / melBins);
        return torch.tensor(w, [coefficients, melBins], device: device);
    }

    /// <summary>Log-mel [.., M, T] → mel-cepstra c_1..c_K [.., T, K].</summary>
    public static Tensor Cepstra(Tensor logMel, int coefficients = DefaultCoefficients)
    {
        if (logMel.dim() < 2) throw new ArgumentException($"expected log-mel [.., M, T], got shape [{string.Join(", ", logMel.shape)}]");
        using var scope = torch.NewDisposeScope();
        var basis = Basis((int)logMel.shape[^2], coefficients, logMel.device);
        return torch.matmul(basis, logMel.to(ScalarType.Float32)).transpose(-1, -2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Frame-by-frame MCD of spectrograms of the same shape [B, M, T]: the mean over each
    /// utterance's frames [B] (frames where <paramref name="frameMask"/> [B, T] is false do not count).
    /// </summary>
    public static Tensor AlignedBatch(Tensor reference, Tensor other, Tensor? frameMask = null, int coefficients = DefaultCoefficients)
    {
        if (!reference.shape.SequenceEqual(other.shape) || reference.dim() != 3)
            throw new ArgumentException($"expected two log-mels [B, M, T] of one shape, got [{string.Join(", ", reference.shape)}] and [{string.Join(", ", other.shape)}]");
        using var scope = torch.NewDisposeScope();
        var d = (Cepstra(reference, coefficients) - Cepstra(other, coefficients)).to(ScalarType.Float64);
        var perFrame = d.pow(2).sum(-1).sqrt() * DecibelScale;                   // [B, T]
        if (frameMask is null) return perFrame.mean([1]).MoveToOuterDisposeScope();
        var w = frameMask.to(ScalarType.Float64);
        return ((perFrame * w).sum(1) / w.sum(1).clamp_min(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Frame-by-frame MCD of two utterances of the same frames [M, T].</summary>
    public static double Aligned(Tensor reference, Tensor other, int coefficients = DefaultCoefficients)
    {
        using var scope = torch.NewDisposeScope();
        return AlignedBatch(reference.unsqueeze(0), other.unsqueeze(0), null, coefficients).item<double>();
    }

    /// <summary>
    /// MCD of two utterances [M, T1] and [M, T2] of any lengths: the mean frame-pair MCD along
    /// the DTW path that minimises the summed cepstral distance.
    /// </summary>
    public static double WithDtw(Tensor reference, Tensor other, int coefficients = DefaultCoefficients)
    {
        if (reference.dim() != 2 || other.dim() != 2 || reference.shape[0] != other.shape[0])
            throw new ArgumentException($"expected two log-mels [M, T] with the same M, got [{string.Join(", ", reference.shape)}] and [{string.Join(", ", other.shape)}]");
        using var scope = torch.NewDisposeScope();
        var a = Cepstra(reference, coefficients).to(ScalarType.Float64);
        var b = Cepstra(other, coefficients).to(ScalarType.Float64);
        var cost = (torch.cdist(a, b) * DecibelScale).cpu().contiguous();
        var alignment = DynamicTimeWarping.Align(cost.data<double>().ToArray(), (int)a.shape[0], (int)b.shape[0]);
        return alignment.MeanCost;
    }
}
