namespace ResGen.Audio;

/// <summary>Cuts leading and trailing silence down to a fixed margin, and scales audio to a fixed peak.</summary>
public static class SilenceTrim
{
    /// <summary>
    /// <paramref name="audio"/> from <paramref name="marginSeconds"/> before its first to that long after
    /// its last sound: a 10 ms frame is sound when its RMS is within <paramref name="floorDb"/> of the
    /// loudest frame's (and above −80 dBFS). Returns null when no frame is sound (silence).
    /// </summary>
    public static MonoAudio? Trim(MonoAudio audio, double marginSeconds = 0.1, double floorDb = -40)
        => Bounds(audio, marginSeconds, floorDb) is { } b ? new MonoAudio(audio.Samples[b.Start..b.End], audio.SampleRate) : null;

    /// <summary>The samples [Start, End) that <see cref="Trim"/> keeps, or null for silence.</summary>
    public static (int Start, int End)? Bounds(MonoAudio audio, double marginSeconds = 0.1, double floorDb = -40)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var x = audio.Samples;
        int frame = Math.Max(1, audio.SampleRate / 100);
        int frames = (x.Length + frame - 1) / frame;
        var rms = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            int from = f * frame, to = Math.Min(x.Length, from + frame);
            double sum = 0;
            for (int i = from; i < to; i++) sum += (double)x[i] * x[i];
            rms[f] = Math.Sqrt(sum / (to - from));
        }
        double loudest = rms.Length == 0 ? 0 : rms.Max();
        double floor = Math.Max(1e-4, loudest * Math.Pow(10, floorDb / 20));
        int first = Array.FindIndex(rms, r => r > floor), last = Array.FindLastIndex(rms, r => r > floor);
        if (first < 0) return null;
        int margin = (int)Math.Round(marginSeconds * audio.SampleRate);
        return (Math.Max(0, first * frame - margin), Math.Min(x.Length, (last + 1) * frame + margin));
    }

    /// <summary><paramref name="audio"/> scaled so that its largest magnitude is <paramref name="peak"/> (silence stays as it is).</summary>
    public static MonoAudio Normalize(MonoAudio audio, float peak = 0.9f)
    {
        ArgumentNullException.ThrowIfNull(audio);
        float max = 0;
        foreach (var v in audio.Samples) max = Math.Max(max, Math.Abs(v));
        if (max == 0 || !float.IsFinite(max)) return audio;
        float gain = peak / max;
        return new MonoAudio([.. audio.Samples.Select(v => v * gain)], audio.SampleRate);
    }
}
