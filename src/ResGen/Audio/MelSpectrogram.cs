using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Audio;

/// <summary>
/// Log-mel spectrograms of float waveforms, on any device (torch.stft with a Hann window): a
/// waveform [samples] or a batch [B, samples] becomes [mel_bins, frames] or [B, mel_bins, frames]
/// with frames = <see cref="MelConfig.Frames"/>. The signal is padded with n_fft/2 zeros on each
/// side, so frame t is centred on sample t·hop and a zero-padded batch gives every example the
/// frames it would get alone (up to its own frame count). Also holds the inverse STFT that
/// <see cref="GriffinLim"/> uses. Holds the window and the filterbank on one device.
/// </summary>
public sealed class MelSpectrogram : IDisposable
{
    readonly Tensor window, filterbank;

    public MelSpectrogram(MelConfig config, Device? device = null)
    {
        config.Validate();
        Config = config;
        device ??= torch.CPU;
        window = torch.hann_window(config.WinLength, periodic: true, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        filterbank = torch.tensor(MelFilterbank.Weights(config), [config.MelBins, config.FrequencyBins], device: device).DetachFromDisposeScope();
    }

    public MelConfig Config { get; }
    /// <summary>The device of the window and the filterbank; inputs must live there.</summary>
    public Device Device => window.device;
    /// <summary>The mel filterbank [mel_bins, n_fft/2 + 1] (do not modify).</summary>
    public Tensor Filterbank => filterbank;

    /// <summary>Log-mel spectrogram of a waveform [samples] or [B, samples] (float, at the config's sample rate).</summary>
    public Tensor FromWaveform(Tensor waveform)
    {
        using var scope = torch.NewDisposeScope();
        var magnitude = Stft(waveform).abs();
        return MagnitudeToLogMel(magnitude).MoveToOuterDisposeScope();
    }

    /// <summary>Log-mel of a waveform with a mel front end built for the call (on the waveform's device).</summary>
    public static Tensor FromWaveform(Tensor waveform, MelConfig config)
    {
        using var mel = new MelSpectrogram(config, waveform.device);
        return mel.FromWaveform(waveform);
    }

    /// <summary>Linear magnitude [.., bins, frames] → log-mel [.., mel_bins, frames]: ln(max(F·|X|, floor)).</summary>
    public Tensor MagnitudeToLogMel(Tensor magnitude)
    {
        if (magnitude.shape[^2] != Config.FrequencyBins)
            throw new ArgumentException($"expected {Config.FrequencyBins} frequency bins in dimension -2, got shape [{string.Join(", ", magnitude.shape)}]");
        return torch.matmul(filterbank, magnitude.to(ScalarType.Float32)).clamp_min(Config.LogFloor).log();
    }

    /// <summary>
    /// Complex one-sided STFT of [samples] or [B, samples] → [bins, frames] or [B, bins, frames]
    /// (zero padding of n_fft/2 on both sides, Hann window of win_length centred in n_fft).
    /// </summary>
    public Tensor Stft(Tensor waveform)
    {
        CheckWaveform(waveform);
        using var scope = torch.NewDisposeScope();
        int half = Config.NFft / 2;
        var x = waveform.to(ScalarType.Float32);
        bool single = x.dim() == 1;
        if (single) x = x.unsqueeze(0);
        x = nn.functional.pad(x, [half, half]);
        var spec = torch.stft(x, Config.NFft, Config.HopLength, Config.WinLength, window,
                              center: false, onesided: true, return_complex: true);
        return (single ? spec.squeeze(0) : spec).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inverse of <see cref="Stft"/>: complex [bins, frames] or [B, bins, frames] → waveform
    /// [samples] or [B, samples] (overlap-add with the window, normalised by the summed squared window).
    /// </summary>
    public Tensor Istft(Tensor spectrum, long samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        return torch.istft(spectrum, Config.NFft, Config.HopLength, Config.WinLength, window,
                           center: true, onesided: true, length: samples);
    }

    /// <summary>Log-mel → the scale a network sees: (x − mean) / std.</summary>
    public static Tensor Normalize(Tensor logMel, MelConfig config) => (logMel - config.Mean) / config.Std;

    /// <summary>Inverse of <see cref="Normalize"/>.</summary>
    public static Tensor Denormalize(Tensor normalized, MelConfig config) => normalized * config.Std + config.Mean;

    void CheckWaveform(Tensor waveform)
    {
        if (waveform.dim() is not (1 or 2))
            throw new ArgumentException($"expected a waveform [samples] or [B, samples], got shape [{string.Join(", ", waveform.shape)}]");
        if (!waveform.is_floating_point())
            throw new ArgumentException($"expected a float waveform, got {waveform.dtype}");
        if (waveform.device_type != window.device_type || waveform.device_index != window.device_index)
            throw new ArgumentException($"the waveform is on {waveform.device} but this mel front end lives on {window.device}");
    }

    public void Dispose()
    {
        window.Dispose();
        filterbank.Dispose();
    }
}
