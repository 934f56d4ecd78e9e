using ResGen.Audio;
using ResGen.Generation;
using ResGen.Generation.Speech;
using ResGen.Tests.Data.Speech;
using ResGen.Text;
using ResGen.Tokens.Speech;
using TorchSharp;

namespace ResGen.Tests.Generation.Speech;

/// <summary>The synthesizer's length rule and its batch: output length follows the text at the prompt's rate, for short and long texts alike.</summary>
[Collection(TorchCollection.Name)]
public sealed class SpeechSynthesizerTests
{
    [Fact]
    public void TargetLengthFollowsThePromptsSpeakingRate()
    {
        var prompt = new SpeechPrompt(torch.zeros(30, 4, torch.ScalarType.Int64), new int[60], 3.0);   // 2 phonemes per position
        Assert.Equal(10, SpeechSynthesizer.TargetPositions(prompt, 20));
        Assert.Equal(100, SpeechSynthesizer.TargetPositions(prompt, 200));
        Assert.Equal(15, SpeechSynthesizer.TargetPositions(prompt, 20, lengthScale: 1.5));
        Assert.Equal(1, SpeechSynthesizer.TargetPositions(prompt, 1));
    }

    [SpeechToolsInstalledFact]
    public void ATwoWordAndATwentyWordSentenceGetSpeechInProportion()
    {
        torch.manual_seed(3);
        var tokCfg = ResGen.Config.ConfigLoader.Load<SpeechTokenizerConfig>(Path.Combine(Repo.Root(), "configs/speech-tokenizer-tiny.json"), []);
        var tok = tokCfg.Build();
        tok.eval();
        var kind = GeneratorKinds.ResGen;
        var cfg = kind.LoadConfig(Path.Combine(Repo.Root(), "configs/resgen-tts-tiny.json"), [])
            .WithTokens(new ResGen.Tokens.TokenLayout { GridHeight = 1, GridWidth = 400, Depth = tok.Depth, CodebookSize = tok.CodebookSize, CodeDim = tok.CodeDim, Layout = ResGen.Tokens.PositionLayout.Sequence }, "")
            .WithTextVocabulary(PhonemeVocabulary.Default.Count);
        var gen = kind.Build(cfg, tok.Quantizer);
        gen.Module.eval();
        var tts = new SpeechSynthesizer(gen, cfg, tok, PhonemeVocabulary.Default);

        // a prompt of 2 s of a tone, said to be a five-word sentence
        var samples = Enumerable.Range(0, 32_000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 150 * i / 16_000.0))).ToArray();
        var prompt = tts.Prompt(new MonoAudio(samples, 16_000), "This is how I speak.");
        var two = tts.Phonemize("Hello there.");
        var twenty = tts.Phonemize("The old lighthouse keeper walked slowly along the rocky shore every evening, counting the ships that passed beyond the distant harbour wall.");
        Assert.True(twenty.Length > 6 * two.Length);
        var outs = tts.Synthesize([two, twenty], [prompt, prompt], cfg.Sample with { Steps = 2 }, seed: 1);
        double rate = tokCfg.Mel.FrameRate / tokCfg.Model.Downsample;
        for (int i = 0; i < 2; i++)
        {
            int expected = SpeechSynthesizer.TargetPositions(prompt, i == 0 ? two.Length : twenty.Length);
            Assert.Equal(expected, (int)outs[i].Codes.shape[0]);
            Assert.InRange(outs[i].Audio.Seconds, (expected - 1) / rate, (expected + 1) / rate);
        }
        double ratio = outs[1].Audio.Seconds / outs[0].Audio.Seconds;
        Assert.InRange(ratio, 0.8 * twenty.Length / two.Length, 1.25 * twenty.Length / two.Length);
    }
}
