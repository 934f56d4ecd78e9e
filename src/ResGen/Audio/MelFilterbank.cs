namespace ResGen.Audio;

/// <summary>
/// The Slaney mel filterbank (Auditory Toolbox; librosa's default): the Slaney mel scale (linear,
/// 200/3 Hz per mel, below 1 kHz; logarithmic, 27 mels per factor 6.4, above), M triangular bands
/// with edges equally spaced on that scale between f_min and f_max, each scaled to unit area
/// (2 / its width in Hz) so that a band's value does not grow with its width.
/// </summary>
public static class MelFilterbank
{
    const double LinearHzPerMel = 200.0 / 3;
    const double BreakHz = 1000;
    const double BreakMel = BreakHz / LinearHzPerMel;              // 15
    static readonly double LogStep = Math.Log(6.4) / 27;

    /// <summary>Hz → Slaney mel.</summary>
    public static double HzToMel(double hz)
        => hz < BreakHz ? hz / LinearHzPerMel : BreakMel + Math.Log(hz / BreakHz) / LogStep;

    /// <summary>Slaney mel → Hz.</summary>
    public static double MelToHz(double mel)
        => mel < BreakMel ? mel * LinearHzPerMel : BreakHz * Math.Exp(LogStep * (mel - BreakMel));

    /// <summary>
    /// The weights [mel_bins, n_fft/2 + 1], row-major: band m's weight on FFT bin k
    /// (frequency k·sample_rate/n_fft).
    /// </summary>
    public static float[] Weights(MelConfig config)
    {
        config.Validate();
        int bands = config.MelBins, bins = config.FrequencyBins;
        double lo = HzToMel(config.FMin), hi = HzToMel(config.FMax);
        var edges = new double[bands + 2];
        for (int i = 0; i < edges.Length; i++) edges[i] = MelToHz(lo + (hi - lo) * i / (bands + 1));
        var w = new float[bands * bins];
        for (int m = 0; m < bands; m++)
        {
            double left = edges[m], centre = edges[m + 1], right = edges[m + 2];
            double area = 2.0 / (right - left);
            for (int k = 0; k < bins; k++)
            {
                double f = (double)k * config.SampleRate / config.NFft;
                double rise = (f - left) / (centre - left), fall = (right - f) / (right - centre);
                double v = Math.Max(0, Math.Min(rise, fall));
                w[m * bins + k] = (float)(v * area);
            }
        }
        return w;
    }

    /// <summary>Bands that no FFT bin falls into (too narrow for the FFT size): empty in a good config.</summary>
    public static IReadOnlyList<int> EmptyBands(MelConfig config)
    {
        var w = Weights(config);
        int bins = config.FrequencyBins;
        return [.. Enumerable.Range(0, config.MelBins).Where(m => !w.AsSpan(m * bins, bins).ContainsAnyExcept(0f))];
    }
}
