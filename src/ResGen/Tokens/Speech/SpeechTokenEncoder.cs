using ResGen.Data.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens.Speech;

/// <summary>Turns corpus utterances into the speech tokens generators train on: each WAV's frames of D codes, with its phoneme ids and speaker.</summary>
public static class SpeechTokenEncoder
{
    /// <summary>The phoneme ids of a manifest's phoneme string (symbols separated by spaces).</summary>
    public static int[] PhonemeIds(string phonemes, Text.PhonemeVocabulary vocabulary)
        => vocabulary.Encode(phonemes.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Encodes the utterances of <paramref name="split"/> (all of them, or <paramref name="limit"/> spread over the split),
    /// each with its phonemes' start positions (<see cref="Text.PhonemeAligner"/> on its WAV).
    /// </summary>
    public static SpeechTokens Encode(SpeechTokenizer tokenizer, string tokenizerHash, SpeechCorpus corpus, string split, int? limit = null,
                                      Device? device = null, IProgress<double>? progress = null)
    {
        var utterances = WavMelSource.Spread(corpus.Split(split).ToList(), limit);
        using var mels = WavMelSource.FromUtterances(corpus, utterances, split, tokenizer.Mel, cacheBytes: 0);
        var items = new SpeechTokenItem[utterances.Count];
        bool wasTraining = tokenizer.training;
        tokenizer.eval();
        try
        {
            for (int i = 0; i < items.Length; i++)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                var codes = tokenizer.EncodeUtterance(mels.Get(i).to(device ?? torch.CPU)).cpu().to(ScalarType.Int16);
                var u = utterances[i];
                var symbols = u.Phonemes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var audio = Audio.WavFile.Read(corpus.WavPath(u), tokenizer.Mel.SampleRate);
                float[] starts = [.. Text.PhonemeAligner.AlignPositions(u.Text, symbols, audio, tokenizer.PositionRate, (int)codes.shape[0]).Select(t => (float)t)];
                items[i] = new SpeechTokenItem(u.Id, u.Speaker, codes.data<short>().ToArray(), corpus.Vocabulary.Encode(symbols), starts);
                progress?.Report(i + 1);
            }
        }
        finally { tokenizer.train(wasTraining); }
        return new SpeechTokens(items, tokenizer.Depth, tokenizer.CodebookSize, corpus.Vocabulary.Count, tokenizer.PositionRate, tokenizerHash);
    }
}
