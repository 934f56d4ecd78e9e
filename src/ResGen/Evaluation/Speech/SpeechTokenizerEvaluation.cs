using ResGen.Tokens;
using ResGen.Tokens.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation.Speech;

/// <summary>Reconstruction quality of whole utterances when only the first <see cref="Depth"/> depths are decoded.</summary>
/// <param name="Depth">Depths decoded (a prefix 1..Depth).</param>
/// <param name="Mse">Mean squared log-mel error over every real frame and band (natural-log units).</param>
/// <param name="Mcd">Mel-cepstral distortion in dB, frame by frame, averaged per utterance then over utterances.</param>
public sealed record SpeechDepthQuality(int Depth, double Mse, double Mcd);

/// <summary>What a speech tokenizer evaluation measures.</summary>
public sealed record SpeechTokenizerReport(int Utterances, long Frames, IReadOnlyList<SpeechDepthQuality> Depths, IReadOnlyList<LevelUsage> Levels)
{
    /// <summary>The deepest prefix evaluated (all D depths by default).</summary>
    public SpeechDepthQuality Full => Depths[^1];
}

/// <summary>
/// Speech tokenizer quality on held-out utterances, whole (no crops): log-mel MSE and
/// mel-cepstral distortion for depth prefixes (1..D by default), and per-level code usage and
/// perplexity (of real positions only). Utterances go through in batches padded to the longest,
/// with their lengths, which gives the same tokens as one by one.
/// </summary>
public static class SpeechTokenizerEvaluation
{
    public static SpeechTokenizerReport Run(SpeechTokenizer tokenizer, IMelSource data, int? limit = null, IReadOnlyList<int>? depths = null,
                                            int batchSize = 16, Device? device = null, IProgress<double>? progress = null)
    {
        int n = Math.Min(limit ?? data.Count, data.Count);
        if (n < 1) throw new ArgumentException("nothing to evaluate: the data hold no utterance");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var prefixes = depths ?? [.. Enumerable.Range(1, tokenizer.Depth)];
        if (prefixes.Count == 0 || prefixes.Any(d => d < 1 || d > tokenizer.Depth))
            throw new ArgumentException($"depths must lie in 1..{tokenizer.Depth}, got [{string.Join(", ", prefixes)}]");
        var sq = new double[prefixes.Count];
        var mcd = new double[prefixes.Count];
        long frames = 0;
        using var usage = new CodeUsage(tokenizer.Depth, tokenizer.CodebookSize, device);
        bool wasTraining = tokenizer.training;
        tokenizer.eval();
        try
        {
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                int count = Math.Min(batchSize, n - start);
                var (x, lengths) = Pad(data, start, count, Math.Log(tokenizer.Mel.LogFloor), device);
                var tokens = tokenizer.Encode(x, lengths);
                var valid = TokenBatch.ValidMask(tokens.Lengths!, tokens.Positions);
                usage.Add(torch.where(valid.unsqueeze(2), tokens.Indices, torch.full_like(tokens.Indices, -1)));
                var frameMask = TokenBatch.ValidMask(lengths, x.shape[2]);
                var w = frameMask.unsqueeze(1).to(ScalarType.Float64);
                frames += lengths.sum().item<long>();
                for (int i = 0; i < prefixes.Count; i++)
                {
                    using var inner = torch.NewDisposeScope();
                    var visible = torch.full(tokens.Indices.shape[..^1], prefixes[i], ScalarType.Int64, device: x.device);
                    var rec = tokenizer.DecodeLatent(tokenizer.Quantizer.EmbedPrefix(tokens.Indices, visible), tokens.Lengths)[.., .., ..(int)x.shape[2]];
                    sq[i] += ((rec - x).pow(2).to(ScalarType.Float64) * w).sum().item<double>();
                    mcd[i] += MelCepstralDistortion.AlignedBatch(x, rec, frameMask).sum().item<double>();
                }
                progress?.Report((double)(start + count) / n);
            }
        }
        finally { tokenizer.train(wasTraining); }
        double cells = (double)frames * tokenizer.Mel.MelBins;
        var quality = prefixes.Select((d, i) => new SpeechDepthQuality(d, sq[i] / cells, mcd[i] / n)).ToList();
        return new SpeechTokenizerReport(n, frames, quality, usage.Levels());
    }

    /// <summary>Utterances start..start+count−1 as one batch [B, M, T_max] (padded with silence) and their frame lengths [B].</summary>
    static (Tensor Mels, Tensor Lengths) Pad(IMelSource data, int start, int count, double silence, Device? device)
    {
        var mels = Enumerable.Range(start, count).Select(data.Get).ToArray();
        long longest = mels.Max(m => m.shape[1]);
        var lengths = mels.Select(m => m.shape[1]).ToArray();
        var batch = torch.stack(mels.Select(m => nn.functional.pad(m, [0, longest - m.shape[1]], value: silence)).ToArray());
        return (batch.to(device ?? torch.CPU), torch.tensor(lengths, device: device ?? torch.CPU));
    }
}
