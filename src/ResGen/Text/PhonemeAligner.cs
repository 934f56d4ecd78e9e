using ResGen.Audio;
using ResGen.Evaluation.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Text;

/// <summary>
/// When each phoneme symbol of a text is spoken in a recording of it, for any voice: espeak-ng speaks
/// the text in the phonemizer's voice and reports when it starts each phoneme; dynamic time warping of
/// the two recordings' normalised mel-cepstra (plus loudness) carries those moments onto the recording.
/// The phonemizer's symbols are matched to the library's phoneme reports by an edit-distance alignment
/// (names equal; clause punctuation matches a pause); a symbol without a report takes a moment
/// interpolated between its neighbours, and stress marks and word boundaries, which are not sounds,
/// take the moment of the sound after them (zero duration). Used to give speech tokens their phoneme
/// durations (the aligned text-to-speech input) and to align a voice prompt with its transcript.
/// Not bit-for-bit repeatable: espeak-ng's waveform generator keeps its pitch-flutter phase between
/// calls (a function-static index), so renderings of a text differ by milliseconds (up to 11 ms measured),
/// and the warp can move a few phonemes by a few feature frames (measured: 3-5 ms apart on average, up
/// to 92 ms). Align a recording once and share the result where systems must agree.
/// </summary>
public static class PhonemeAligner
{
    /// <summary>Frames per second of the features warped (12.5 ms hop at 16 kHz).</summary>
    static readonly MelConfig Features = new();

    /// <summary>
    /// The start (seconds from the start of <paramref name="audio"/>) of each of <paramref name="symbols"/>,
    /// the phonemizer's symbols of <paramref name="text"/>: non-decreasing, within [0, audio seconds].
    /// </summary>
    public static double[] Align(string text, IReadOnlyList<string> symbols, MonoAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (symbols.Count == 0) throw new ArgumentException("no symbols to align", nameof(symbols));
        var (reference, referenceStarts) = Speak(text, symbols);

        var target = audio.SampleRate == Features.SampleRate ? audio : Resampler.Resample(audio, Features.SampleRate);
        var map = WarpMap(reference, target);
        var starts = new double[symbols.Count];
        double seconds = audio.Seconds;
        for (int i = 0; i < starts.Length; i++)
        {
            double t = Interpolate(map, referenceStarts[i] * Features.FrameRate) / Features.FrameRate;
            starts[i] = Math.Clamp(Math.Max(t, i > 0 ? starts[i - 1] : 0), 0, seconds);
        }
        return starts;
    }

    /// <summary>
    /// <see cref="Align"/> in token positions: each symbol's start × <paramref name="positionRate"/>
    /// (positions per second), at most <paramref name="positions"/> (the recording's length in positions).
    /// </summary>
    public static double[] AlignPositions(string text, IReadOnlyList<string> symbols, MonoAudio audio, double positionRate, int positions)
        => [.. Align(text, symbols, audio).Select(t => Math.Min(positions, t * positionRate))];

    /// <summary>
    /// espeak-ng speaking <paramref name="text"/> (16 kHz, silence trimmed to 0.1 s as the corpus is) and
    /// when it starts each of <paramref name="symbols"/> (seconds from the trimmed start).
    /// </summary>
    public static (MonoAudio Audio, double[] Starts) Speak(string text, IReadOnlyList<string> symbols, string voice = Phonemizer.Voice, int rate = 175)
    {
        var (samples, reports) = EspeakLibrary.SynthesizeWithPhonemes(voice, text, rate);
        var audio = Resampler.Resample(new MonoAudio([.. samples.Select(v => v / 32768f)], EspeakLibrary.SynthesisRate), Features.SampleRate);
        var (start, end) = SilenceTrim.Bounds(audio) ?? (0, audio.Samples.Length);
        var trimmed = new MonoAudio(audio.Samples[start..end], audio.SampleRate);
        double offset = (double)start / Features.SampleRate;
        return (trimmed, StartsInReference(symbols, [.. reports.Select(r => (r.Phoneme, r.Sample / (double)EspeakLibrary.SynthesisRate - offset))], trimmed.Seconds));
    }

    /// <summary>Whether a symbol is a sound (not a stress mark, a word boundary or punctuation).</summary>
    public static bool IsSound(string symbol)
        => symbol != PhonemeVocabulary.WordBoundary && !Phonemizer.StressMarks.Contains(symbol) && !Phonemizer.Punctuation.Contains(symbol);

    /// <summary>
    /// Each symbol's start in the reference (seconds), from the library's phoneme reports (name, start;
    /// "" a pause) by an edit-distance match; <paramref name="seconds"/> is the reference's length.
    /// </summary>
    public static double[] StartsInReference(IReadOnlyList<string> symbols, IReadOnlyList<(string Phoneme, double Start)> reports, double seconds)
    {
        // symbols that take part in the match: sounds and punctuation
        var matchable = Enumerable.Range(0, symbols.Count).Where(i => symbols[i] != PhonemeVocabulary.WordBoundary && !Phonemizer.StressMarks.Contains(symbols[i])).ToArray();
        int n = reports.Count, m = matchable.Length;
        const double Forbidden = 1e9;
        double Pair(int r, int s)
        {
            bool pause = reports[r].Phoneme.Length == 0, punctuation = !IsSound(symbols[matchable[s]]);
            if (punctuation) return pause ? 0 : Forbidden;
            return pause ? Forbidden : reports[r].Phoneme == symbols[matchable[s]] ? 0 : 1;
        }
        double SkipReport(int r) => reports[r].Phoneme.Length == 0 ? 0 : 1;
        var cost = new double[(n + 1) * (m + 1)];
        for (int r = 1; r <= n; r++) cost[r * (m + 1)] = cost[(r - 1) * (m + 1)] + SkipReport(r - 1);
        for (int s = 1; s <= m; s++) cost[s] = s;
        for (int r = 1; r <= n; r++)
            for (int s = 1; s <= m; s++)
                cost[r * (m + 1) + s] = Math.Min(cost[(r - 1) * (m + 1) + s - 1] + Pair(r - 1, s - 1),
                    Math.Min(cost[(r - 1) * (m + 1) + s] + SkipReport(r - 1), cost[r * (m + 1) + s - 1] + 1));
        var matched = new double?[m];
        for (int r = n, s = m; r > 0 && s > 0;)
        {
            double here = cost[r * (m + 1) + s];
            // a run of pauses: the symbol takes the first of them (skip the later ones while that costs nothing)
            if (reports[r - 1].Phoneme.Length == 0 && here == cost[(r - 1) * (m + 1) + s]) r--;
            else if (Pair(r - 1, s - 1) < Forbidden && here == cost[(r - 1) * (m + 1) + s - 1] + Pair(r - 1, s - 1)) { matched[s - 1] = reports[r - 1].Start; r--; s--; }
            else if (here == cost[(r - 1) * (m + 1) + s] + SkipReport(r - 1)) r--;
            else s--;
        }
        // unmatched symbols: interpolated by index between matched neighbours (the ends: 0 and the length)
        var times = new double[m];
        for (int s = 0; s < m; s++)
        {
            if (matched[s] is { } t) { times[s] = t; continue; }
            int before = s - 1, after = s + 1;
            while (before >= 0 && matched[before] is null) before--;
            while (after < m && matched[after] is null) after++;
            double t0 = before >= 0 ? matched[before]!.Value : 0, t1 = after < m ? matched[after]!.Value : seconds;
            times[s] = t0 + (t1 - t0) * (s - before) / (after - before);
        }
        var starts = new double[symbols.Count];
        for (int i = symbols.Count - 1, s = m - 1, next = symbols.Count; i >= 0; i--)
        {
            if (s >= 0 && matchable[s] == i) starts[i] = times[s--];
            else starts[i] = next < symbols.Count ? starts[next] : seconds;
            next = i;
        }
        for (int i = 1; i < starts.Length; i++) starts[i] = Math.Max(starts[i], starts[i - 1]);
        for (int i = 0; i < starts.Length; i++) starts[i] = Math.Clamp(starts[i], 0, seconds);
        return starts;
    }

    /// <summary>For each reference frame, the mean target frame dynamic time warping pairs it with.</summary>
    static double[] WarpMap(MonoAudio reference, MonoAudio target)
    {
        using var scope = torch.NewDisposeScope();
        var a = FeaturesOf(reference);
        var b = FeaturesOf(target);
        int rows = (int)a.shape[0], columns = (int)b.shape[0];
        var cost = torch.cdist(a.unsqueeze(0), b.unsqueeze(0)).squeeze(0).to(ScalarType.Float64).contiguous().data<double>().ToArray();   // host: a per-utterance tool, not a loop on tensors
        var path = DynamicTimeWarping.Path(cost, rows, columns);
        var sum = new double[rows];
        var count = new int[rows];
        foreach (var (r, c) in path) { sum[r] += c; count[r]++; }
        return [.. sum.Select((v, r) => v / count[r])];
    }

    /// <summary>Per-utterance normalised mel-cepstra c1..c13 and loudness: [T, 14].</summary>
    static Tensor FeaturesOf(MonoAudio audio)
    {
        var logMel = MelSpectrogram.FromWaveform(torch.tensor(audio.Samples), Features);
        var features = torch.cat([MelCepstralDistortion.Cepstra(logMel), logMel.mean([0]).unsqueeze(-1)], -1);
        return (features - features.mean([0], keepdim: true)) / (features.std(0, unbiased: false, keepdim: true) + 1e-5);
    }

    static double Interpolate(double[] values, double x)
    {
        if (x <= 0) return values[0];
        if (x >= values.Length - 1) return values[^1];
        int i = (int)Math.Floor(x);
        return values[i] + (values[i + 1] - values[i]) * (x - i);
    }
}
