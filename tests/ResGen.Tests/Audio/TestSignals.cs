using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Audio;

/// <summary>Synthetic 16 kHz test signals: sines, vowel-like harmonic sounds with moving formants, noise.</summary>
internal static class TestSignals
{
    public const int Rate = 16000;

    /// <summary>A sine of <paramref name="hz"/> Hz.</summary>
    public static Tensor Sine(double hz, double seconds, double amplitude = 0.5)
    {
        var t = torch.arange((long)(seconds * Rate), dtype: ScalarType.Float64) / Rate;
        return (amplitude * torch.sin(2 * Math.PI * hz * t)).to(ScalarType.Float32);
    }

    /// <summary>White noise of standard deviation <paramref name="std"/>.</summary>
    public static Tensor Noise(double seconds, double std, ulong seed)
        => torch.randn((long)(seconds * Rate), generator: new Generator(seed)) * (float)std;

    /// <summary>
    /// A vowel-like sound: 40 harmonics of a gliding pitch, each weighted by two moving formant
    /// peaks. Pitch and formants follow the normalised time u = t / duration, so the same
    /// <paramref name="voice"/> at another duration is a time-stretched copy (same pitch, same spectra).
    /// </summary>
    public static Tensor Vowel(double seconds, int voice = 0, double amplitude = 0.5)
    {
        long n = (long)(seconds * Rate);
        var u = torch.arange(n, dtype: ScalarType.Float64) / n;
        var (f0, f1, f2) = voice switch
        {
            0 => (120 + 30 * torch.sin(2 * Math.PI * 1.5 * u), 500 + 300 * torch.sin(2 * Math.PI * u), 1500 + 600 * torch.cos(2 * Math.PI * 0.7 * u)),
            _ => (200 - 40 * u, 350 + 100 * torch.cos(2 * Math.PI * 2 * u), 2300 - 900 * u),
        };
        var phase = torch.cumsum(f0, 0) * (2 * Math.PI / Rate);
        var x = torch.zeros(n, ScalarType.Float64);
        for (int k = 1; k <= 40; k++)
        {
            var fk = f0 * k;
            var amp = torch.exp(-((fk - f1) / 150).pow(2)) + 0.6 * torch.exp(-((fk - f2) / 250).pow(2)) + 0.01;
            x += amp * torch.sin(phase * k);
        }
        return (x / x.abs().max() * amplitude).to(ScalarType.Float32);
    }
}
