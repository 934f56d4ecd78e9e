using ResGen.Audio;
using ResGen.Config;
using ResGen.Tests.Audio;
using ResGen.Tokens.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Tokens.Speech;

/// <summary>Log-mels of synthetic vowel-like utterances (0.4–0.8 s) and the tiny speech tokenizer config.</summary>
internal static class SpeechTestData
{
    public static SpeechTokenizerConfig Tiny() => ConfigLoader.Load<SpeechTokenizerConfig>(Path.Combine(Repo.Root(), "configs", "speech-tokenizer-tiny.json"), []);

    /// <summary><paramref name="count"/> utterances: two voices, five durations, three loudnesses, a little noise.</summary>
    public static MelList Mels(int count, int offset = 0)
    {
        using var scope = torch.NewDisposeScope();
        var config = new MelConfig();
        var mels = new List<Tensor>();
        for (int j = offset; j < offset + count; j++)
        {
            double seconds = 0.4 + 0.1 * (j % 5);
            var wave = TestSignals.Vowel(seconds, voice: j % 2, amplitude: 0.2 + 0.1 * (j % 3)) + TestSignals.Noise(seconds, 0.003, (ulong)j);
            mels.Add(MelSpectrogram.FromWaveform(wave, config));
        }
        return new MelList(mels);
    }

    /// <summary>Utterances start.. as one batch [B, M, T_max] padded with <paramref name="pad"/>, and their lengths.</summary>
    public static (Tensor Mels, Tensor Lengths) Batch(MelList data, int start, int count, float pad = -11.5f)
    {
        var mels = Enumerable.Range(start, count).Select(data.Get).ToArray();
        long longest = mels.Max(m => m.shape[1]);
        var batch = torch.stack(mels.Select(m => nn.functional.pad(m, [0, longest - m.shape[1]], value: pad)).ToArray());
        return (batch, torch.tensor(mels.Select(m => m.shape[1]).ToArray()));
    }
}
