using System.Text.Json.Serialization;
using ResGen.Config;

namespace ResGen.Audio;

/// <summary>
/// How audio becomes a log-mel spectrogram (JSON keys are snake_case). The defaults are the
/// project's speech front end: 16 kHz mono, a 1024-point FFT over a 50 ms Hann window (800
/// samples) every 12.5 ms (200 samples: 80 frames per second, a hop of a quarter window, which
/// Griffin-Lim inverts well), 80 Slaney mel bands from 0 Hz to 8 kHz (librosa's and HiFi-GAN's
/// filterbank: linear below 1 kHz, logarithmic above, each band normalised to unit area), the
/// natural log of the mel-weighted magnitude (not power) floored at 1e-5.
/// </summary>
public sealed record MelConfig : IValidatable
{
    /// <summary>Samples per second of the waveform.</summary>
    [ValueRange(1, 768_000)]
    public int SampleRate { get; init; } = 16000;
    /// <summary>FFT size (even); the spectrum has n_fft/2 + 1 bins.</summary>
    [ValueRange(2, 1 << 16)]
    public int NFft { get; init; } = 1024;
    /// <summary>Hann window length in samples (at most n_fft; the window is centred in the FFT frame).</summary>
    [ValueRange(1, 1 << 16)]
    public int WinLength { get; init; } = 800;
    /// <summary>Samples between frames.</summary>
    [ValueRange(1, 1 << 16)]
    public int HopLength { get; init; } = 200;
    /// <summary>Mel bands.</summary>
    [ValueRange(1, 4096)]
    public int MelBins { get; init; } = 80;
    /// <summary>Lower edge of the first band in Hz.</summary>
    [ValueRange(0, 384_000)]
    public double FMin { get; init; }
    /// <summary>Upper edge of the last band in Hz (at most half the sample rate).</summary>
    [ValueRange(0, 384_000, MinExclusive = true)]
    public double FMax { get; init; } = 8000;
    /// <summary>Mel magnitudes are clamped to at least this before the log (ln 1e-5 = -11.51 is silence).</summary>
    [ValueRange(0, 1, MinExclusive = true)]
    public double LogFloor { get; init; } = 1e-5;
    /// <summary>Offset subtracted from log-mel values before a network sees them (espeak-ng speech measured −5.0 to −5.5).</summary>
    [ValueRange(-1000, 1000)]
    public double Mean { get; init; } = -5.0;
    /// <summary>Scale that log-mel values are divided by after the offset (espeak-ng speech measured 2.5 to 2.9).</summary>
    [ValueRange(0, 1000, MinExclusive = true)]
    public double Std { get; init; } = 2.5;

    /// <summary>Frames per second (sample rate / hop).</summary>
    [JsonIgnore]
    public double FrameRate => (double)SampleRate / HopLength;

    /// <summary>Bins of the one-sided spectrum.</summary>
    [JsonIgnore]
    public int FrequencyBins => NFft / 2 + 1;

    /// <summary>
    /// Frames of a waveform of <paramref name="samples"/> samples: 1 + samples / hop (integer
    /// division). Frame t is centred on sample t·hop; the signal is padded by n_fft/2 zeros on each side.
    /// </summary>
    public long Frames(long samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        return 1 + samples / HopLength;
    }

    /// <summary>The waveform length that <paramref name="frames"/> frames stand for: (frames − 1)·hop.</summary>
    public long Samples(long frames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        return (frames - 1) * HopLength;
    }

    public void Validate()
    {
        if (SampleRate < 1) throw new UserErrorException($"mel sample_rate must be positive, got {SampleRate}.");
        if (NFft < 2 || NFft % 2 != 0) throw new UserErrorException($"mel n_fft must be even and at least 2, got {NFft}.");
        if (WinLength < 1 || WinLength > NFft)
            throw new UserErrorException($"mel win_length must be in 1..n_fft, got {WinLength} and n_fft {NFft}.");
        if (HopLength < 1 || HopLength > WinLength)
            throw new UserErrorException($"mel hop_length must be in 1..win_length, got {HopLength} and win_length {WinLength}.");
        if (MelBins < 1) throw new UserErrorException($"mel mel_bins must be positive, got {MelBins}.");
        if (FMin < 0 || !(FMax > FMin) || FMax > SampleRate / 2.0)
            throw new UserErrorException($"mel needs 0 <= f_min < f_max <= sample_rate / 2, got {FMin}, {FMax} and {SampleRate}.");
        if (!(LogFloor > 0)) throw new UserErrorException($"mel log_floor must be positive, got {LogFloor}.");
        if (!double.IsFinite(Mean)) throw new UserErrorException($"mel mean must be finite, got {Mean}.");
        if (!(Std > 0) || !double.IsFinite(Std)) throw new UserErrorException($"mel std must be positive, got {Std}.");
    }
}
