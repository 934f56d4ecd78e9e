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
    [Theory]
    [InlineData("", "--prompt-text is empty")]
    [InlineData("   ", "--prompt-text is empty")]
    [InlineData("😀 😀", "--prompt-text '😀 😀' has no letters")]
    [InlineData("LONG", "--prompt-text has 50000 characters; give at most 400")]
    public void EveryTextInputHasOneLimitAndNamesItsOption(string text, string message)
    {
        if (text == "LONG") text = new string('a', 50_000);
        // refused before espeak-ng sees it (50,000 characters used to hang there)
        var e = Assert.Throws<UserErrorException>(() => SpeechSynthesizer.Phonemize(text, PhonemeVocabulary.Default, "--prompt-text"));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void TargetLengthFollowsThePromptsSpeakingRate()
    {
        var prompt = new SpeechPrompt(torch.zeros(30, 4, torch.ScalarType.Int64), new int[60], 3.0);   // 2 phonemes per position
        Assert.Equal(10, SpeechSynthesizer.TargetPositions(prompt, 20));
        Assert.Equal(100, SpeechSynthesizer.TargetPositions(prompt, 200));
        Assert.Equal(15, SpeechSynthesizer.TargetPositions(prompt, 20, lengthScale: 1.5));
        Assert.Equal(1, SpeechSynthesizer.TargetPositions(prompt, 1));
    }

    [Fact]
    public void AlignedModelsTimeTheTextByMeanDurationsAtThePromptsRate()
    {
        double[] durations = [0, 0, 0, 2, 1];                 // ids 3 and 4 last 2 and 1 positions; 1 and 2 nothing
        var prompt = new SpeechPrompt(torch.zeros(12, 4, torch.ScalarType.Int64), [3, 4, 3], 1.2);   // 5 mean positions said in 12: 2.4× slower
        Assert.Equal(12, SpeechSynthesizer.TargetPositions(prompt, [3, 2, 4, 2, 3], durations));   // 5 × 2.4
        Assert.Equal(5, SpeechSynthesizer.TargetPositions(prompt, [4, 4], durations));             // 2 × 2.4 = 4.8
        Assert.Equal(12, SpeechSynthesizer.TargetPositions(prompt, [3, 4, 3], null));              // unaligned: by phoneme count (4 positions each)
        Assert.Equal(new[] { 10.0, 14.0, 14.0, 16.0 }, SpeechSynthesizer.SpreadStarts([3, 1, 4, 3], durations, 10, 20));
        Assert.Equal(new[] { 0.0, 2.5, 5.0, 7.5 }, SpeechSynthesizer.SpreadStarts([1, 2, 1, 2], durations, 0, 10));   // nothing timed: even
        // a prompt with its own timings keeps them; the text fills the rest
        var timed = prompt with { Starts = [0, 5, 9] };
        Assert.Equal(new[] { 0f, 5 / 20f, 9 / 20f, 12 / 20f, 16 / 20f }, SpeechSynthesizer.ConditionStarts(timed, [3, 3], durations, 20));
        // without them the prompt's phonemes are spread over its positions, the text's over the rest
        Assert.Equal(new[] { 0f, 0.24f, 0.36f, 0.6f, 0.8f }, SpeechSynthesizer.ConditionStarts(prompt, [3, 3], durations, 20).Select(v => MathF.Round(v, 4)));
        Assert.Throws<ArgumentException>(() => SpeechSynthesizer.ConditionStarts(prompt with { Starts = [0] }, [3], durations, 20));
        // with no text (continuation) every phoneme is spread over the whole sequence
        Assert.Equal(new[] { 0f, 0.4f, 0.6f }, SpeechSynthesizer.ConditionStarts(prompt, [], durations, 20).Select(v => MathF.Round(v, 4)));
    }

    [Fact]
    public void GivenTextStartsFollowThePromptInsteadOfTheSpread()
    {
        var prompt = new SpeechPrompt(torch.zeros(4, 2, torch.ScalarType.Int64), [1, 2], 0.4, Starts: [0, 2]);
        double[] durations = [0, 1, 1, 1, 1];
        var spread = SpeechSynthesizer.ConditionStarts(prompt, [3, 4], durations, 10);
        Assert.Equal([0f, 0.2f, 0.4f, 0.7f], spread);
        var given = SpeechSynthesizer.ConditionStarts(prompt, [3, 4], durations, 10, textStarts: [1, 5]);
        Assert.Equal([0f, 0.2f, 0.5f, 0.9f], given);
        Assert.Throws<ArgumentException>(() => SpeechSynthesizer.ConditionStarts(prompt, [3, 4], durations, 10, textStarts: [1]));
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
            .WithText(PhonemeVocabulary.Default.Count, null);
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
