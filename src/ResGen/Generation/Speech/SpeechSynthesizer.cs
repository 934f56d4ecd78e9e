using System.Diagnostics;
using ResGen.Audio;
using ResGen.Conditioning;
using ResGen.Text;
using ResGen.Tokens;
using ResGen.Tokens.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation.Speech;

/// <summary>
/// A voice to speak in: its tokens [L, D] (CPU, int64), the phoneme ids of what it says and, when known,
/// the position (fractional) at which each of them starts.
/// </summary>
public sealed record SpeechPrompt(Tensor Codes, int[] Phonemes, double Seconds, double[]? Starts = null)
{
    public int Positions => (int)Codes.shape[0];
}

/// <summary>One synthesized utterance and what making it cost.</summary>
/// <param name="Audio">The speech (16 kHz mono), without the prompt.</param>
/// <param name="Codes">Its tokens [L, D] (CPU).</param>
/// <param name="NetworkCalls">Sequential network calls of the sampler (steps, or L·D for the autoregressive model).</param>
/// <param name="NetworkPasses">Passes over the batch (a guided call counts two).</param>
/// <param name="GenerateSeconds">Wall time of token sampling for the batch this utterance was part of.</param>
/// <param name="VocoderSeconds">Wall time of decoding and Griffin-Lim for this utterance.</param>
public sealed record SynthesizedSpeech(MonoAudio Audio, Tensor Codes, int NetworkCalls, int NetworkPasses, double GenerateSeconds, double VocoderSeconds);

/// <summary>
/// Zero-shot text-to-speech with a text-conditioned generator (ResGen or the RQ-Transformer) on a
/// speech tokenizer: the prompt's tokens are given as known positions the sampler never changes,
/// the phonemes of prompt and text condition the whole sequence, and the length of the new speech
/// follows the prompt's speaking rate. A model trained on aligned tokens (<see cref="Durations"/>)
/// also gets when each phoneme starts: in the prompt from <see cref="PhonemeAligner"/> on its audio,
/// in the new speech from the mean phoneme durations of the training data scaled to the prompt's
/// rate (prompt positions / the prompt phonemes' summed mean durations), which also set its length.
/// A model trained on an even spread gets prompt positions × text phonemes / prompt phonemes
/// positions, as MaskGCT and F5-TTS do. Tokens → log-mel by the tokenizer's decoder → waveform by Griffin-Lim.
/// </summary>
public sealed class SpeechSynthesizer
{
    /// <summary>Prompts shorter than this carry too little of a voice (and of its rate).</summary>
    public const double MinPromptSeconds = 0.5;
    /// <summary>Prompt audio sampled below this rate lacks the band the tokenizer was trained on.</summary>
    public const int MinSampleRate = 16_000;

    readonly Device device;
    readonly MelSpectrogram mel;

    public SpeechSynthesizer(IGenerator generator, IGeneratorConfig config, SpeechTokenizer tokenizer, PhonemeVocabulary vocabulary, Device? device = null)
    {
        if (config.Text is not { } text)
            throw new UserErrorException($"the {generator.Kind} model is conditioned on class labels, not on text: give a text-to-speech model.");
        if (text.Vocabulary != vocabulary.Count)
            throw new UserErrorException($"the model knows {text.Vocabulary} phoneme ids but the phonemizer's table has {vocabulary.Count}.");
        Generator = generator;
        Config = config;
        Tokenizer = tokenizer;
        Vocabulary = vocabulary;
        this.device = device ?? torch.CPU;
        mel = new MelSpectrogram(tokenizer.Mel);
    }

    public IGenerator Generator { get; }
    public IGeneratorConfig Config { get; }
    public SpeechTokenizer Tokenizer { get; }
    public PhonemeVocabulary Vocabulary { get; }
    /// <summary>Positions (prompt + new speech) the model reads at most.</summary>
    public int MaxPositions => Generator.Layout.Positions;
    /// <summary>Phonemes (prompt + text) the model reads at most.</summary>
    public int MaxPhonemes => Config.Text!.MaxLength;
    /// <summary>Mean duration in positions of each phoneme id in the model's training speech; null for a model trained on an even spread.</summary>
    public IReadOnlyList<double>? Durations => Config.Text!.Durations;

    /// <summary>Loads a text-to-speech generator checkpoint and the speech tokenizer it was trained on.</summary>
    public static SpeechSynthesizer Load(string generatorCheckpoint, string tokenizerCheckpoint, Device? device = null)
    {
        if (!SpeechTokenizerCheckpoint.IsSpeechTokenizer(tokenizerCheckpoint))
            throw new UserErrorException($"'{tokenizerCheckpoint}' is not a speech tokenizer.");
        var (tok, _, hash) = SpeechTokenizerCheckpoint.Load(tokenizerCheckpoint, device);
        return Load(generatorCheckpoint, tok, hash, device);
    }

    /// <summary>Loads a text-to-speech generator checkpoint onto a loaded speech tokenizer (several models can share one).</summary>
    public static SpeechSynthesizer Load(string generatorCheckpoint, SpeechTokenizer tokenizer, string tokenizerHash, Device? device = null)
    {
        var (gen, cfg) = GeneratorKinds.Load(generatorCheckpoint, tokenizer.Quantizer, tokenizerHash, device);
        return new SpeechSynthesizer(gen, cfg, tokenizer, PhonemeVocabulary.Default, device);
    }

    /// <summary>The phoneme ids of <paramref name="text"/> (espeak-ng, the corpus' voice); text with nothing to speak is one sentence.</summary>
    public int[] Phonemize(string text) => Phonemize(text, Vocabulary);

    /// <summary>Texts longer than this are refused before phonemizing (one or two sentences; the shipped model reads about 12 s in all).</summary>
    public const int MaxTextCharacters = 400;

    /// <summary>
    /// The ids in <paramref name="vocabulary"/> of the phonemes of <paramref name="text"/>; text that is
    /// empty, longer than <see cref="MaxTextCharacters"/>, with nothing to speak, or with sounds outside
    /// the table, is one sentence naming <paramref name="what"/> (e.g. "--prompt-text").
    /// </summary>
    public static int[] Phonemize(string text, PhonemeVocabulary vocabulary, string what = "the text") => vocabulary.Encode(PhonemeSymbols(text, vocabulary, what));

    /// <summary>The phoneme symbols of <paramref name="text"/>, checked as <see cref="Phonemize(string, PhonemeVocabulary, string)"/> checks them.</summary>
    static string[] PhonemeSymbols(string text, PhonemeVocabulary vocabulary, string what = "the text")
    {
        ArgumentNullException.ThrowIfNull(text);
        // one limit and one wording for every text input, checked before espeak-ng sees it (50,000 characters hung)
        if (text.Trim().Length == 0) throw new UserErrorException($"{what} is empty; give the words to speak.");
        if (text.Length > MaxTextCharacters)
            throw new UserErrorException($"{what} has {text.Length} characters; give at most {MaxTextCharacters} (one or two sentences).");
        if (!text.Any(char.IsLetter)) throw new UserErrorException($"{what} '{Shorten(text)}' has no letters to speak.");
        var foreign = text.Where(c => char.IsLetter(c) && !IsLatin(c)).Distinct().Take(3).ToArray();
        if (foreign.Length > 0)
            throw new UserErrorException($"{what} '{Shorten(text)}' has letters outside the Latin alphabet ({string.Join(" ", foreign)}); the model speaks English.");
        var symbols = Phonemizer.Shared.Phonemize(text);
        var unknown = symbols.Where(s => !vocabulary.Contains(s)).Distinct().ToList();
        if (unknown.Count > 0)
            throw new UserErrorException($"{what} '{Shorten(text)}' gives phonemes the model never learned ({string.Join(" ", unknown)}); write it in plain English words.");
        return symbols;
    }

    /// <summary>
    /// Prompt audio as the tokenizer wants it: at least 16 kHz (else one sentence), resampled to
    /// <paramref name="sampleRate"/>, silence trimmed at the ends, at least <see cref="MinPromptSeconds"/> of speech.
    /// </summary>
    public static MonoAudio PromptAudio(MonoAudio audio, int sampleRate)
    {
        if (audio.SampleRate < MinSampleRate)
            throw new UserErrorException($"the prompt is sampled at {audio.SampleRate} Hz; give audio recorded at {MinSampleRate} Hz or more.");
        var resampled = audio.SampleRate == sampleRate ? audio : Resampler.Resample(audio, sampleRate);
        var trimmed = SilenceTrim.Trim(resampled) ?? throw new UserErrorException("the prompt is silent: it holds no speech to take a voice from.");
        if (trimmed.Seconds < MinPromptSeconds)
            throw new UserErrorException($"the prompt holds {trimmed.Seconds:0.##} s of speech; give at least {MinPromptSeconds} s (about 3 s works best).");
        return trimmed;
    }

    /// <summary>A prompt from audio (see <see cref="PromptAudio"/>) and the text it speaks.</summary>
    public SpeechPrompt Prompt(MonoAudio audio, string text) => PromptFromSpeech(PromptAudio(audio, Tokenizer.Mel.SampleRate), text);

    /// <summary>
    /// A prompt from audio already prepared by <see cref="PromptAudio"/> and its transcript; for a model
    /// trained on aligned tokens, its phonemes are aligned with the audio.
    /// </summary>
    public SpeechPrompt PromptFromSpeech(MonoAudio speech, string text)
    {
        var symbols = PhonemeSymbols(text, Vocabulary, "the prompt's text");
        var prompt = PromptFromSpeech(speech, Vocabulary.Encode(symbols));
        if (Durations is null) return prompt;
        return prompt with { Starts = PhonemeAligner.AlignPositions(text, symbols, speech, Tokenizer.PositionRate, prompt.Positions) };
    }

    /// <summary>A prompt from audio (see <see cref="PromptAudio"/>) and the phoneme ids of what it says.</summary>
    public SpeechPrompt Prompt(MonoAudio audio, int[] phonemes) => PromptFromSpeech(PromptAudio(audio, Tokenizer.Mel.SampleRate), phonemes);

    /// <summary>A prompt from audio already prepared by <see cref="PromptAudio"/> (not checked or trimmed again).</summary>
    public SpeechPrompt PromptFromSpeech(MonoAudio speech, int[] phonemes)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var logMel = mel.FromWaveform(torch.tensor(speech.Samples));
        var codes = Tokenizer.EncodeUtterance(logMel.to(device)).cpu().to(ScalarType.Int64);
        return new SpeechPrompt(codes.DetachFromDisposeScope(), phonemes, speech.Seconds);
    }

    /// <summary>A prompt from tokens already made (e.g. another utterance of a corpus), with its phoneme starts when known.</summary>
    public static SpeechPrompt PromptFromTokens(Tensor codes, int[] phonemes, double positionRate, double[]? starts = null)
        => new(codes.cpu().to(ScalarType.Int64), phonemes, codes.shape[0] / positionRate, starts);

    /// <summary>Positions of new speech for <paramref name="phonemes"/> at the prompt's speaking rate in phonemes per position (at least one).</summary>
    public static int TargetPositions(SpeechPrompt prompt, int phonemes, double lengthScale = 1.0)
        => Math.Max(1, (int)Math.Round(lengthScale * prompt.Positions * phonemes / Math.Max(1, prompt.Phonemes.Length)));

    /// <summary>
    /// Positions of new speech for <paramref name="text"/> after <paramref name="prompt"/> (at least one): with
    /// <paramref name="durations"/>, the text's summed mean durations × the prompt's positions / its phonemes'
    /// summed mean durations; without, <see cref="TargetPositions(SpeechPrompt, int, double)"/>.
    /// </summary>
    public static int TargetPositions(SpeechPrompt prompt, IReadOnlyList<int> text, IReadOnlyList<double>? durations, double lengthScale = 1.0)
    {
        if (durations is null) return TargetPositions(prompt, text.Count, lengthScale);
        double promptTime = prompt.Phonemes.Sum(p => durations[p]), textTime = text.Sum(p => durations[p]);
        if (promptTime <= 0) return TargetPositions(prompt, text.Count, lengthScale);
        return Math.Max(1, (int)Math.Round(lengthScale * textTime * prompt.Positions / promptTime));
    }

    /// <summary>
    /// Where each of <paramref name="phonemes"/> starts when they fill positions [<paramref name="from"/>,
    /// <paramref name="to"/>) in proportion to their mean <paramref name="durations"/> (evenly when those sum to 0).
    /// </summary>
    public static double[] SpreadStarts(IReadOnlyList<int> phonemes, IReadOnlyList<double> durations, double from, double to)
    {
        var starts = new double[phonemes.Count];
        double total = phonemes.Sum(p => durations[p]), at = 0;
        for (int i = 0; i < starts.Length; i++)
        {
            double share = total > 0 ? at / total : (double)i / starts.Length;
            starts[i] = from + (to - from) * share;
            at += durations[phonemes[i]];
        }
        return starts;
    }

    /// <summary>
    /// Phoneme starts as fractions of the <paramref name="length"/> positions of prompt + new speech: the
    /// prompt's own starts (spread over its positions when unknown), then the text's spread over the new
    /// positions; with no text (continuation: the prompt's phonemes are the whole text) all of them spread
    /// over the whole sequence.
    /// </summary>
    /// <param name="textStarts">Where each text phoneme starts, in positions after the prompt (e.g. the recording's own timings, an oracle for the durations); null: spread by <paramref name="durations"/>.</param>
    public static float[] ConditionStarts(SpeechPrompt prompt, IReadOnlyList<int> text, IReadOnlyList<double> durations, int length, IReadOnlyList<double>? textStarts = null)
    {
        if (prompt.Starts is { } given && given.Length != prompt.Phonemes.Length)
            throw new ArgumentException($"the prompt has {prompt.Phonemes.Length} phonemes but {given.Length} starts");
        if (textStarts is not null && textStarts.Count != text.Count)
            throw new ArgumentException($"the text has {text.Count} phonemes but {textStarts.Count} starts");
        double[] starts = text.Count == 0 ? SpreadStarts(prompt.Phonemes, durations, 0, length)
            : [.. prompt.Starts ?? SpreadStarts(prompt.Phonemes, durations, 0, prompt.Positions),
               .. textStarts?.Select(v => prompt.Positions + v) ?? SpreadStarts(text, durations, prompt.Positions, length)];
        return [.. starts.Select(s => (float)(s / length))];
    }

    /// <summary>
    /// Speaks each text (phoneme ids) in the voice of its prompt, as one batch. <paramref name="positions"/>
    /// overrides the lengths (e.g. the true lengths, to compare with ground truth). With
    /// <paramref name="keepPrompt"/> the audio holds the prompt too (the continuation task is scored whole).
    /// </summary>
    /// <param name="textStarts">Per text, where each of its phonemes starts in positions after the prompt (a model trained on timings; null: from the mean durations).</param>
    public IReadOnlyList<SynthesizedSpeech> Synthesize(IReadOnlyList<int[]> texts, IReadOnlyList<SpeechPrompt> prompts, SamplerSettings settings,
        long seed, IReadOnlyList<int>? positions = null, double lengthScale = 1.0, int griffinLimIterations = GriffinLim.DefaultIterations,
        bool keepPrompt = false, IReadOnlyList<double[]>? textStarts = null)
    {
        if (texts.Count == 0 || texts.Count != prompts.Count) throw new ArgumentException("give one prompt per text");
        int b = texts.Count, d = Tokenizer.Depth;
        var targets = positions ?? [.. texts.Select((t, i) => TargetPositions(prompts[i], t, Durations, lengthScale))];
        if (targets.Count != b || targets.Any(t => t < 1)) throw new ArgumentException("give each text at least one position to speak");
        var lengths = new long[b];
        for (int i = 0; i < b; i++)
        {
            lengths[i] = prompts[i].Positions + targets[i];
            if (lengths[i] > MaxPositions)
                throw new UserErrorException($"the prompt ({prompts[i].Positions} positions) and the text ({targets[i]} positions at the prompt's rate) need {lengths[i]} positions, but the model reads at most {MaxPositions}; use a shorter prompt or text.");
            int p = prompts[i].Phonemes.Length + texts[i].Length;
            if (p > MaxPhonemes)
                throw new UserErrorException($"the prompt and the text have {p} phonemes, but the model reads at most {MaxPhonemes}; use a shorter prompt or text.");
        }
        int l = (int)lengths.Max();
        Tensor sampled;
        int calls, passes;
        var clock = Stopwatch.StartNew();
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var known = torch.zeros(b, l, d, ScalarType.Int64);
            var knownDepths = torch.zeros(b, l, ScalarType.Int64);
            for (int i = 0; i < b; i++)
            {
                int lp = prompts[i].Positions;
                known[i].narrow(0, 0, lp).copy_(prompts[i].Codes);
                knownDepths[i].narrow(0, 0, lp).fill_(d);
            }
            var starts = Durations is { } durations
                ? texts.Select((t, i) => (IReadOnlyList<float>)ConditionStarts(prompts[i], t, durations, (int)lengths[i], textStarts?[i])).ToList()
                : null;
            var condition = PhonemeCondition.Of([.. texts.Select((t, i) => (IReadOnlyList<int>)[.. prompts[i].Phonemes, .. t])], device, starts);
            var request = new SampleRequest(condition, settings)
            {
                Known = new KnownTokens(known.to(device), knownDepths.to(device)),
                Lengths = torch.tensor(lengths, device: device),
                PromptPositions = torch.tensor(prompts.Select(x => (long)x.Positions).ToArray(), device: device),
            };
            using var g = new torch.Generator((ulong)seed, device);
            var result = Generator.Sample(request, g);
            sampled = result.Indices.cpu().DetachFromDisposeScope();
            (calls, passes) = (result.NetworkCalls, result.NetworkPasses);
        }
        double generateSeconds = clock.Elapsed.TotalSeconds;
        var outputs = new SynthesizedSpeech[b];
        using var vocoderGenerator = new torch.Generator((ulong)seed);
        for (int i = 0; i < b; i++)
        {
            clock.Restart();
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            int lp = prompts[i].Positions;
            var codes = sampled[i].narrow(0, 0, lengths[i]);
            // decode prompt and new speech together (the decoder sees the join), then keep the new part
            var logMel = Tokenizer.DecodeToMel(codes.to(device)).cpu();
            long start = keepPrompt ? 0 : (long)lp * Tokenizer.Stride;
            var newMel = logMel.narrow(1, start, logMel.shape[1] - start);
            var wave = GriffinLim.ToWaveform(newMel, mel, iterations: griffinLimIterations, generator: vocoderGenerator);
            var audio = new MonoAudio(wave.data<float>().ToArray(), Tokenizer.Mel.SampleRate);
            outputs[i] = new SynthesizedSpeech(audio, codes.narrow(0, lp, targets[i]).clone().DetachFromDisposeScope(), calls, passes, generateSeconds, clock.Elapsed.TotalSeconds);
        }
        sampled.Dispose();
        return outputs;
    }

    /// <summary>Basic Latin, Latin-1 Supplement and Latin Extended-A/B letters.</summary>
    static bool IsLatin(char c) => c < 0x0250;

    static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
