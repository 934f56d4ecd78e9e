using ResGen.Audio;
using ResGen.Data.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens.Speech;

/// <summary>
/// Log-mels of WAV files, computed when first asked for (read at the mel config's sample rate,
/// resampled where a file has another) and kept in memory up to a budget, so an epoch over a
/// corpus that fits reads each file once and a larger one still trains. Frame counts come from
/// the known sample counts without reading a file.
/// </summary>
public sealed class WavMelSource : IMelSource, IDisposable
{
    readonly IReadOnlyList<string> paths;
    readonly long?[] samples;
    readonly MelSpectrogram mel;
    readonly Dictionary<int, Tensor> cache = [];
    readonly long budget;
    long cachedBytes;

    /// <param name="paths">The WAV files, one utterance each.</param>
    /// <param name="config">How to turn them into log-mels (the tokenizer's <see cref="SpeechTokenizer.Mel"/>).</param>
    /// <param name="samples">Samples of each file at the config's sample rate, where known (else the file is read to count).</param>
    /// <param name="cacheBytes">Memory for computed log-mels; beyond it they are computed again on each use.</param>
    public WavMelSource(IReadOnlyList<string> paths, MelConfig config, IReadOnlyList<long>? samples = null, long cacheBytes = 1L << 30)
    {
        if (paths.Count == 0) throw new UserErrorException("no utterances to read mels from.");
        if (samples is not null && samples.Count != paths.Count)
            throw new ArgumentException($"samples must give one count per file, got {samples.Count} for {paths.Count} files");
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        this.paths = paths;
        this.samples = samples is null ? new long?[paths.Count] : [.. samples.Select(s => (long?)s)];
        mel = new MelSpectrogram(config);
        budget = cacheBytes;
    }

    /// <summary>The utterances of one split of a speech corpus (<c>resgen data speech</c>).</summary>
    /// <param name="limit">Keep at most this many, spread evenly over the split (so every speaker is represented), in manifest order.</param>
    public static WavMelSource FromCorpus(SpeechCorpus corpus, string split, MelConfig config, long cacheBytes = 1L << 30, int? limit = null)
        => FromUtterances(corpus, Spread(corpus.Split(split).ToList(), limit), split, config, cacheBytes);

    /// <summary>Given utterances of a corpus (e.g. a spread subset of a split).</summary>
    public static WavMelSource FromUtterances(SpeechCorpus corpus, IReadOnlyList<SpeechUtterance> utterances, string what, MelConfig config, long cacheBytes = 1L << 30)
    {
        if (utterances.Count == 0) throw new UserErrorException($"speech corpus '{corpus.Root}' has no utterance in split '{what}'.");
        var counts = corpus.Info.SampleRate == config.SampleRate ? utterances.Select(u => (long)u.Samples).ToList() : null;
        return new WavMelSource([.. utterances.Select(corpus.WavPath)], config, counts, cacheBytes);
    }

    /// <summary>At most <paramref name="limit"/> items spread evenly over <paramref name="items"/>, in order.</summary>
    public static IReadOnlyList<T> Spread<T>(IReadOnlyList<T> items, int? limit)
    {
        if (limit is not { } n || n >= items.Count) return items;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return [.. Enumerable.Range(0, n).Select(i => items[(int)((long)i * items.Count / n)])];
    }

    public int Count => paths.Count;
    public int MelBins => mel.Config.MelBins;
    /// <summary>Bytes of log-mels held in memory.</summary>
    public long CachedBytes => cachedBytes;

    public long Frames(int index)
    {
        if (samples[index] is { } n) return mel.Config.Frames(n);
        using var m = Get(index);
        return m.shape[1];
    }

    public Tensor Get(int index)
    {
        if (cache.TryGetValue(index, out var hit)) return hit.clone();
        var audio = WavFile.Read(paths[index], mel.Config.SampleRate);
        samples[index] = audio.Samples.Length;
        Tensor logMel;
        using (var scope = torch.NewDisposeScope())
            logMel = mel.FromWaveform(torch.tensor(audio.Samples)).MoveToOuterDisposeScope();
        long bytes = logMel.numel() * sizeof(float);
        if (cachedBytes + bytes <= budget)
        {
            cache[index] = logMel.clone().DetachFromDisposeScope();
            cachedBytes += bytes;
        }
        return logMel;
    }

    public void Dispose()
    {
        foreach (var t in cache.Values) t.Dispose();
        cache.Clear();
        mel.Dispose();
    }
}
