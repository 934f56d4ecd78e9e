using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Audio;

/// <summary>
/// Waveforms from log-mel spectrograms without a neural vocoder: the mel bands are turned back
/// into a linear magnitude spectrum (non-negative least squares), then a phase is found for it by
/// the fast Griffin-Lim algorithm (Perraudin, Balazs and Søndergaard, 2013: Griffin-Lim with
/// momentum), all on the device of the input. The result is reproducible for a given generator
/// (it draws the starting phase).
/// </summary>
public static class GriffinLim
{
    /// <summary>Phase-retrieval iterations by default.</summary>
    public const int DefaultIterations = 64;
    /// <summary>Momentum of fast Griffin-Lim by default (0 = classic Griffin-Lim).</summary>
    public const double DefaultMomentum = 0.99;
    /// <summary>Multiplicative-update iterations of the mel → magnitude least squares by default.</summary>
    public const int DefaultMagnitudeIterations = 32;

    /// <summary>
    /// Log-mel [.., mel_bins, frames] → waveform [.., samples]; <paramref name="samples"/> defaults
    /// to (frames − 1)·hop, the length of a waveform that has this many frames.
    /// </summary>
    public static Tensor ToWaveform(Tensor logMel, MelSpectrogram mel, long? samples = null, int iterations = DefaultIterations,
                                    double momentum = DefaultMomentum, Generator? generator = null)
    {
        using var scope = torch.NewDisposeScope();
        var magnitude = MelToMagnitude(logMel, mel);
        return FromMagnitude(magnitude, mel, samples, iterations, momentum, generator).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-mel [.., M, frames] → linear magnitude [.., bins, frames] ≥ 0: the non-negative
    /// spectrum S that best explains the mel magnitudes m = exp(log-mel) in the least-squares
    /// sense, |F·S − m|², found by Lee–Seung multiplicative updates S ← S ⊙ Fᵀm / (FᵀF·S) started
    /// from the clamped pseudo-inverse (the plain pseudo-inverse has negative bins).
    /// </summary>
    public static Tensor MelToMagnitude(Tensor logMel, MelSpectrogram mel, int iterations = DefaultMagnitudeIterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (logMel.dim() < 2 || logMel.shape[^2] != mel.Config.MelBins)
            throw new ArgumentException($"expected log-mel [.., {mel.Config.MelBins}, frames], got shape [{string.Join(", ", logMel.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var f = mel.Filterbank;                                        // [M, bins]
        var m = logMel.to(ScalarType.Float32).exp();
        var pinv = torch.linalg.pinv(f.cpu()).to(f.device);             // [bins, M]
        var s = torch.matmul(pinv, m).clamp_min(mel.Config.LogFloor);
        var ft = f.t();
        var gram = torch.matmul(ft, f);                                 // [bins, bins]
        var numerator = torch.matmul(ft, m);
        for (int i = 0; i < iterations; i++)
            s = s * numerator / (torch.matmul(gram, s) + 1e-12f);
        return s.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Linear magnitude [.., bins, frames] → waveform [.., samples] by fast Griffin-Lim:
    /// alternately impose the magnitude and project onto consistent spectrograms (STFT of the
    /// inverse STFT), extrapolating each projection by <paramref name="momentum"/>.
    /// </summary>
    public static Tensor FromMagnitude(Tensor magnitude, MelSpectrogram mel, long? samples = null, int iterations = DefaultIterations,
                                       double momentum = DefaultMomentum, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1)");
        if (magnitude.dim() is not (2 or 3) || magnitude.shape[^2] != mel.Config.FrequencyBins)
            throw new ArgumentException($"expected a magnitude [bins, frames] or [B, bins, frames] with {mel.Config.FrequencyBins} bins, got shape [{string.Join(", ", magnitude.shape)}]");
        long length = samples ?? mel.Config.Samples(magnitude.shape[^1]);
        if (mel.Config.Frames(length) != magnitude.shape[^1])
            throw new ArgumentException($"{length} samples make {mel.Config.Frames(length)} frames, but the spectrogram has {magnitude.shape[^1]}");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var s = magnitude.to(ScalarType.Float32);
        var angle = RandomDraw.Rand(s.shape, generator, s.device) * (2 * Math.PI);
        var t = torch.polar(torch.ones_like(s), angle);                  // the running phase estimate
        Tensor? previous = null;                                         // the last projection
        for (int i = 0; i < iterations; i++)
        {
            using var step = torch.NewDisposeScope();
            var c = mel.Stft(mel.Istft(WithMagnitude(s, t), length));
            var next = c + momentum * (c - (previous ?? c));
            // only the running pair outlives the step: memory does not grow with the iterations
            t.Dispose();
            previous?.Dispose();
            previous = c.MoveToOuterDisposeScope();
            t = next.MoveToOuterDisposeScope();
        }
        return mel.Istft(WithMagnitude(s, t), length).MoveToOuterDisposeScope();
    }

    /// <summary>The spectrum with magnitude <paramref name="s"/> and the phase of <paramref name="z"/> (zero phase where z is 0).</summary>
    static Tensor WithMagnitude(Tensor s, Tensor z) => z * (s / z.abs().clamp_min(1e-12f));
}
