using System.Diagnostics;
using ResGen.Audio;
using ResGen.Data.Speech;
using ResGen.Generation;
using ResGen.Generation.Speech;
using ResGen.Text;
using ResGen.Tokens;
using ResGen.Tokens.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// One evaluation case: speak <see cref="Target"/>'s text in the voice of <see cref="Prompt"/>, another
/// utterance of the same speaker (the paper's cross-sentence task), or, when the prompt is the target
/// itself, continue its first seconds (the continuation task).
/// </summary>
public sealed record TtsCase(SpeechUtterance Target, SpeechUtterance Prompt)
{
    public bool Continuation => ReferenceEquals(Target, Prompt) || Target.Id == Prompt.Id;
}

/// <summary>The paper's two zero-shot tasks.</summary>
public enum TtsTask
{
    /// <summary>The prompt is another utterance of the speaker; the text is new.</summary>
    CrossSentence,
    /// <summary>The prompt is the first seconds of the target utterance; the model speaks the rest of its text (scored whole).</summary>
    Continuation,
}

/// <summary>What one set of WAVs scored: WER against the texts, MCD (DTW) against the ground-truth recordings, and its cost.</summary>
/// <param name="Name">ground truth, resynthesis (tokens → decoder → Griffin-Lim), or a model's name.</param>
/// <param name="Steps">Sampler steps (masked models; 0 for autoregressive ones and references).</param>
/// <param name="NetworkPasses">Mean network passes per utterance batch.</param>
/// <param name="Seconds">Wall time of making the WAVs (tokens and vocoder), all utterances.</param>
/// <param name="AudioSeconds">Audio made, all utterances.</param>
/// <param name="PromptSimilarity">Per utterance: cosine of the speaker embeddings of the speech and of its prompt (null without a speaker encoder).</param>
/// <param name="OtherSimilarity">Per utterance: mean cosine to the prompts of the other speakers.</param>
/// <param name="ShortWer">WER over the texts of at most <see cref="TtsEvaluation.ShortWords"/> words (dropped or repeated words show here first).</param>
/// <param name="LongWer">WER over the texts of more words.</param>
/// <param name="Transcripts">What the recognizer heard, utterance by utterance, aligned to the text.</param>
public sealed record TtsSystemScore(string Name, string Kind, int Steps, double Wer, int Substitutions, int Deletions, int Insertions, int ReferenceWords,
    double Mcd, double NetworkPasses, double Seconds, double AudioSeconds, double LengthRatio,
    IReadOnlyList<double>? PromptSimilarity = null, IReadOnlyList<double>? OtherSimilarity = null,
    double ShortWer = 0, double LongWer = 0, IReadOnlyList<UtteranceErrors>? Transcripts = null)
{
    /// <summary>The model's NLL of the recordings' tokens given their phonemes (see <see cref="TtsEvaluation.TextSensitivity"/>).</summary>
    public double? TextNll { get; init; }
    /// <summary>The same given another utterance's phonemes: no higher than <see cref="TextNll"/> means the text is not read.</summary>
    public double? ShuffledTextNll { get; init; }
    /// <summary>The model's NLL of the recordings' tokens after a prompt of their own speaker (see <see cref="TtsEvaluation.VoiceSensitivity"/>).</summary>
    public double? VoiceNll { get; init; }
    /// <summary>The same after another speaker's prompt: no higher than <see cref="VoiceNll"/> means the prompt's voice is not used.</summary>
    public double? OtherVoiceNll { get; init; }
    /// <summary><see cref="VoiceNll"/> of a masked model with every token of the recording masked (its sampler's start state).</summary>
    public double? StartVoiceNll { get; init; }
    /// <summary><see cref="OtherVoiceNll"/> in the same state.</summary>
    public double? StartOtherVoiceNll { get; init; }
    /// <summary>WER and reference words over the utterances of each speech engine of the corpus ("espeak-ng", "festival"): the recogniser reads the engines very differently.</summary>
    public IReadOnlyDictionary<string, EngineWer>? WerByEngine { get; init; }

    public double? MeanPromptSimilarity => PromptSimilarity?.Average();
    public double? MeanOtherSimilarity => OtherSimilarity?.Average();
    /// <summary>Utterances whose speech is more similar to their prompt than to the other speakers' prompts (the paired comparison of the two distributions).</summary>
    public int? CloserToPrompt => PromptSimilarity is { } own && OtherSimilarity is { } other ? own.Zip(other).Count(x => x.First > x.Second) : null;

    /// <summary>Wall seconds per second of audio made (below 1: faster than real time).</summary>
    public double RealTimeFactor => AudioSeconds > 0 ? Seconds / AudioSeconds : 0;
}

/// <summary>WER over the utterances of one speech engine, and how many reference words they hold.</summary>
public sealed record EngineWer(double Wer, int ReferenceWords);

/// <summary>The side-by-side table of `resgen eval tts`.</summary>
public sealed record TtsReport(int Utterances, int Speakers, string Split, TtsTask Task, IReadOnlyList<TtsSystemScore> Systems);

/// <summary>
/// Zero-shot TTS evaluation on a corpus split of unseen speakers: for each case the target's text is
/// spoken in the voice of another utterance of the same speaker by every system, and scored against
/// the ground-truth recording of the same text and voice: intelligibility as pocketsphinx WER with
/// an in-domain language model (reported next to the WER of the recordings themselves and of their
/// resynthesis through the tokenizer and Griffin-Lim, so ratios can be read), mel-cepstral distortion
/// after DTW, duration ratio, network passes and real-time factor.
/// </summary>
public static class TtsEvaluation
{
    /// <summary>
    /// The two speaker-similarity distributions of every system as cumulative curves (share of utterances
    /// with similarity at most x), to its prompt and to the other speakers' prompts; false (nothing
    /// written) when the report holds no similarity scores.
    /// </summary>
    public static bool PlotSimilarity(TtsReport report, string path)
    {
        var scored = report.Systems.Where(s => s.PromptSimilarity is { Count: > 0 } && s.OtherSimilarity is { Count: > 0 }).ToList();
        if (scored.Count == 0) return false;
        var plot = new Imaging.LinePlot($"Speaker similarity ({(report.Task == TtsTask.Continuation ? "continuation" : "cross-sentence")}, {report.Utterances} utterances)", "cosine similarity of speaker embeddings", "share of utterances at or below");
        foreach (var s in scored)
        {
            var (ownX, ownY) = Curve(s.PromptSimilarity!);
            var (otherX, otherY) = Curve(s.OtherSimilarity!);
            plot.Add($"{s.Name}: to its prompt", ownX, ownY, Imaging.PlotStyle.Line);
            plot.Add($"{s.Name}: to other speakers", otherX, otherY, Imaging.PlotStyle.Line);
        }
        plot.Save(path);
        return true;

        static (double[] X, double[] Y) Curve(IReadOnlyList<double> values)
        {
            var x = values.Order().ToArray();
            return (x, [.. x.Select((_, i) => (i + 1.0) / x.Length)]);
        }
    }

    /// <summary>Texts of at most this many words count as short in <see cref="TtsSystemScore.ShortWer"/>.</summary>
    public const int ShortWords = 7;

    /// <summary>Cross-sentence prompts are drawn from the speaker's utterances of at most this length.</summary>
    public const double MaxPromptSeconds = 4.0;

    /// <summary>Continuation prompts: this many seconds of the target, at most half of it.</summary>
    public const double ContinuationSeconds = 3.0;

    /// <summary>Positions of a continuation prompt cut from a target of <paramref name="total"/> positions: <see cref="ContinuationSeconds"/>, at most half of it.</summary>
    public static int ContinuationPromptPositions(int total, double positionRate)
        => Math.Max(1, Math.Min((int)Math.Round(ContinuationSeconds * positionRate), total / 2));

    /// <summary>
    /// <paramref name="perSpeaker"/> cases per speaker of <paramref name="split"/>: targets in manifest
    /// order, each with a prompt drawn (seeded) from the speaker's other utterances.
    /// </summary>
    public static IReadOnlyList<TtsCase> Cases(SpeechCorpus corpus, string split, int perSpeaker, int seed = 0, TtsTask task = TtsTask.CrossSentence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSpeaker, 1);
        var rng = new Random(seed);
        var cases = new List<TtsCase>();
        foreach (var group in corpus.Split(split).GroupBy(u => u.Speaker, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = group.ToList();
            if (list.Count < 2) continue;
            for (int i = 0; i < Math.Min(perSpeaker, list.Count); i++)
            {
                if (task == TtsTask.Continuation)
                {
                    cases.Add(new TtsCase(list[i], list[i]));
                    continue;
                }
                // a prompt of about 3 s, as in the paper: one of the speaker's other utterances of at most
                // MaxPromptSeconds, or the shortest when there is none
                var candidates = list.Where((u, k) => k != i && u.Seconds <= MaxPromptSeconds).ToList();
                var prompt = candidates.Count > 0 ? candidates[rng.Next(candidates.Count)]
                    : list.Where((_, k) => k != i).MinBy(u => u.Seconds)!;
                cases.Add(new TtsCase(list[i], prompt));
            }
        }
        if (cases.Count == 0) throw new UserErrorException($"split '{split}' of '{corpus.Root}' has no speaker with two utterances to evaluate on.");
        return cases;
    }

    /// <summary>Runs every system on every case, writes the WAVs under <paramref name="outputFolder"/> (one folder per system) and scores them.</summary>
    public static TtsReport Run(SpeechCorpus corpus, string split, IReadOnlyList<TtsCase> cases, IReadOnlyList<(string Name, SpeechSynthesizer Tts, SamplerSettings Settings)> systems,
        string outputFolder, LanguageModelFiles languageModel, int batchSize = 8, long seed = 0, int recognizerThreads = 1,
        IProgress<double>? progress = null, TextWriter? log = null, SpeakerEncoder? speakerEncoder = null, bool trueTiming = false)
    {
        if (systems.Count == 0) throw new ArgumentException("give at least one system");
        if (trueTiming && cases.Any(c => c.Continuation)) throw new UserErrorException("true timings apply to the cross-sentence task (a continuation already has its true length).");
        var tokenizer = systems[0].Tts.Tokenizer;
        if (systems.Any(s => !ReferenceEquals(s.Tts.Tokenizer, tokenizer)))
            throw new UserErrorException("every system must use the same speech tokenizer, so their tokens and vocoder are the same.");
        Directory.CreateDirectory(outputFolder);
        using var mel = new MelSpectrogram(tokenizer.Mel);
        var texts = cases.Select(c => c.Target.Text).ToList();
        var truthWavs = cases.Select(c => corpus.WavPath(c.Target)).ToList();
        var truthMels = truthWavs.Select(p => LogMel(mel, WavFile.Read(p, tokenizer.Mel.SampleRate))).ToList();
        double truthSeconds = cases.Sum(c => c.Target.Seconds);
        double work = 2 + systems.Count, done = 0;
        var scores = new List<TtsSystemScore>();
        // Speaker similarity: to each case's prompt, and to the other speakers' prompts. A continuation's prompt
        // is the recording's first seconds, which every scored WAV holds too: there, what follows the prompt is
        // compared with the prompt alone (for recordings and resynthesis as for the models).
        int[]? promptSamples = null;
        var promptWavs = cases.Select(c => corpus.WavPath(c.Prompt)).ToList();
        if (cases[0].Continuation)
        {
            int samplesPerPosition = tokenizer.Stride * tokenizer.Mel.HopLength;
            promptSamples = [.. truthMels.Select(m => ContinuationPromptPositions((int)tokenizer.PositionsOf(m.shape[1]), tokenizer.PositionRate) * samplesPerPosition)];
            string dir = Path.Combine(outputFolder, "prompts");
            Directory.CreateDirectory(dir);
            for (int i = 0; i < cases.Count; i++)
            {
                var audio = WavFile.Read(truthWavs[i], tokenizer.Mel.SampleRate);
                promptWavs[i] = Path.Combine(dir, cases[i].Target.Id + ".wav");
                WavFile.Write(promptWavs[i], new MonoAudio(audio.Samples[..Math.Min(promptSamples[i], audio.Samples.Length)], audio.SampleRate));
            }
        }
        var speakers = speakerEncoder is null ? null : new SpeakerScorer(speakerEncoder, promptWavs, [.. cases.Select(c => c.Target.Speaker)],
            promptSamples?.Select(n => (double)n / tokenizer.Mel.SampleRate).ToArray());

        // ground truth and its resynthesis: the floor every system is read against
        scores.Add(Score("ground truth", "recording", 0, truthWavs, texts, truthMels, mel, languageModel, recognizerThreads, 0, 0, truthSeconds, truthSeconds, speakers));
        progress?.Report(++done / work);
        var clock = Stopwatch.StartNew();
        var resynth = new List<string>();
        var truthCodes = new List<Tensor>();
        using (var g = new torch.Generator((ulong)seed))
        {
            string dir = Path.Combine(outputFolder, "resynthesis");
            Directory.CreateDirectory(dir);
            for (int i = 0; i < cases.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                var codes = tokenizer.EncodeUtterance(truthMels[i]);
                truthCodes.Add(codes.cpu().DetachFromDisposeScope());
                var wave = GriffinLim.ToWaveform(tokenizer.DecodeToMel(codes, truthMels[i].shape[1]), mel, generator: g);
                string path = Path.Combine(dir, cases[i].Target.Id + ".wav");
                WavFile.Write(path, new MonoAudio(wave.data<float>().ToArray(), tokenizer.Mel.SampleRate));
                resynth.Add(path);
            }
        }
        scores.Add(Score("resynthesis", "tokenizer + Griffin-Lim", 0, resynth, texts, truthMels, mel, languageModel, recognizerThreads, 0,
            clock.Elapsed.TotalSeconds, truthSeconds, truthSeconds, speakers));
        progress?.Report(++done / work);

        // the prompts' tokens, for the voice diagnostic (cross-sentence: each prompt is a whole other utterance)
        var promptCodes = new List<Tensor>();
        if (!cases[0].Continuation)
            foreach (var c in cases)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                promptCodes.Add(tokenizer.EncodeUtterance(LogMel(mel, WavFile.Read(corpus.WavPath(c.Prompt), tokenizer.Mel.SampleRate))).cpu().DetachFromDisposeScope());
            }
        var otherSpeaker = cases.Select((c, i) => Enumerable.Range(1, cases.Count - 1).Select(k => (i + k) % cases.Count)
            .FirstOrDefault(j => cases[j].Target.Speaker != c.Target.Speaker, -1)).ToArray();

        var promptStarts = new Dictionary<string, double[]>(StringComparer.Ordinal);   // aligned once per prompt, shared by the systems
        var targetStarts = new Dictionary<string, double[]>(StringComparer.Ordinal);   // with trueTiming: aligned once per target, likewise
        foreach (var (name, tts, settings) in systems)
        {
            string dir = Path.Combine(outputFolder, name);
            Directory.CreateDirectory(dir);
            var paths = new List<string>();
            double seconds = 0, audioSeconds = 0, passes = 0;
            int batches = 0;
            for (int start = 0; start < cases.Count; start += batchSize)
            {
                var part = cases.Skip(start).Take(batchSize).ToList();
                var prompts = new List<SpeechPrompt>();
                var phonemes = new List<int[]>();
                var lengths = new List<int>();
                var textStarts = trueTiming && tts.Durations is not null ? new List<double[]>() : null;
                for (int k = 0; k < part.Count; k++)
                {
                    var c = part[k];
                    using var scope = torch.NewDisposeScope();
                    var promptAudio = WavFile.Read(corpus.WavPath(c.Prompt), tokenizer.Mel.SampleRate);
                    var promptMel = LogMel(mel, promptAudio);
                    using var _ = torch.no_grad();
                    var codes = tts.Tokenizer.EncodeUtterance(promptMel);
                    var promptPhonemes = SpeechTokenEncoder.PhonemeIds(c.Prompt.Phonemes, tts.Vocabulary);
                    if (c.Continuation)
                    {
                        // the first seconds of the target with all of its text; the rest at its true length
                        int total = (int)codes.shape[0];
                        int lp = ContinuationPromptPositions(total, tokenizer.PositionRate);
                        codes = codes.narrow(0, 0, lp);
                        lengths.Add(Math.Max(1, total - lp));
                        phonemes.Add([]);
                    }
                    else
                    {
                        phonemes.Add(SpeechTokenEncoder.PhonemeIds(c.Target.Phonemes, tts.Vocabulary));
                        if (textStarts is null)
                            lengths.Add(SpeechSynthesizer.TargetPositions(new SpeechPrompt(codes, promptPhonemes, 0), phonemes[^1], tts.Durations));
                        else
                        {
                            // an oracle for the duration model: the recording's length and its phonemes' aligned starts
                            int truth = (int)truthCodes[start + k].shape[0];
                            lengths.Add(truth);
                            if (!targetStarts.TryGetValue(c.Target.Id, out var aligned))
                                aligned = targetStarts[c.Target.Id] = PhonemeAligner.AlignPositions(c.Target.Text, c.Target.Phonemes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                                    WavFile.Read(truthWavs[start + k], tokenizer.Mel.SampleRate), tokenizer.PositionRate, truth);
                            textStarts.Add(aligned);
                        }
                    }
                    // a model trained on aligned tokens gets the prompt's phoneme timings as a user's prompt would (aligned from its audio);
                    // a continuation's prompt holds only part of its text, which is spread over the whole sequence instead
                    double[]? starts = null;
                    if (tts.Durations is not null && !c.Continuation && !promptStarts.TryGetValue(c.Prompt.Id, out starts))
                        starts = promptStarts[c.Prompt.Id] = PhonemeAligner.AlignPositions(c.Prompt.Text,
                            c.Prompt.Phonemes.Split(' ', StringSplitOptions.RemoveEmptyEntries), promptAudio, tokenizer.PositionRate, (int)codes.shape[0]);
                    var prompt = SpeechSynthesizer.PromptFromTokens(codes, promptPhonemes, tokenizer.PositionRate, starts);
                    prompt.Codes.DetachFromDisposeScope();
                    prompts.Add(prompt);
                }
                var outputs = tts.Synthesize(phonemes, prompts, settings, seed + start, positions: lengths, keepPrompt: part[0].Continuation, textStarts: textStarts);
                seconds += outputs[0].GenerateSeconds + outputs.Sum(o => o.VocoderSeconds);
                passes += outputs[0].NetworkPasses;
                batches++;
                for (int i = 0; i < part.Count; i++)
                {
                    string path = Path.Combine(dir, part[i].Target.Id + ".wav");
                    WavFile.Write(path, outputs[i].Audio);
                    paths.Add(path);
                    audioSeconds += outputs[i].Audio.Seconds;
                    outputs[i].Codes.Dispose();
                }
                foreach (var p in prompts) p.Codes.Dispose();
                progress?.Report((done + (double)(start + part.Count) / cases.Count * 0.7) / work);
            }
            log?.WriteLine($"{name}: {cases.Count} utterances synthesized in {seconds:0.0} s; recognizing");
            var targetPhonemes = cases.Select(c => SpeechTokenEncoder.PhonemeIds(c.Target.Phonemes, tts.Vocabulary)).ToList();
            var (textNll, shuffledNll) = TextSensitivity(tts.Generator, truthCodes, targetPhonemes, seed, durations: tts.Durations);
            var promptPhonemeIds = cases.Select(c => SpeechTokenEncoder.PhonemeIds(c.Prompt.Phonemes, tts.Vocabulary)).ToList();
            (double, double)? voice = promptCodes.Count == 0 || otherSpeaker.Any(j => j < 0) ? null
                : VoiceSensitivity(tts.Generator, promptCodes, promptPhonemeIds,
                    truthCodes, targetPhonemes, otherSpeaker, tokenizer.PositionRate, seed, durations: tts.Durations);
            // a masked model also in its sampler's start state (one draw: nothing random is left)
            (double, double)? startVoice = voice is null || !tts.Generator.Stepwise ? null
                : VoiceSensitivity(tts.Generator, promptCodes, promptPhonemeIds,
                    truthCodes, targetPhonemes, otherSpeaker, tokenizer.PositionRate, seed, durations: tts.Durations, repeats: 1, wholeTarget: true);
            scores.Add(Score(name, tts.Generator.Kind, tts.Generator.Stepwise ? settings.Steps : 0, paths, texts, truthMels, mel, languageModel, recognizerThreads,
                passes / batches, seconds, audioSeconds, truthSeconds, speakers) with
            {
                TextNll = textNll,
                ShuffledTextNll = shuffledNll,
                VoiceNll = voice?.Item1,
                OtherVoiceNll = voice?.Item2,
                StartVoiceNll = startVoice?.Item1,
                StartOtherVoiceNll = startVoice?.Item2,
            });
            progress?.Report(++done / work);
        }
        foreach (var m in truthMels) m.Dispose();
        foreach (var c in truthCodes) c.Dispose();
        var engines = cases.Select(c => Engine(c.Target.SpeakerDescription)).ToList();
        return new TtsReport(cases.Count, cases.Select(c => c.Target.Speaker).Distinct().Count(), split,
            cases[0].Continuation ? TtsTask.Continuation : TtsTask.CrossSentence,
            [.. scores.Select(x => x.Transcripts is { } t ? x with { WerByEngine = ByEngine(t, engines) } : x)]);
    }

    /// <summary>The engine that spoke a corpus voice: the first word of its description ("espeak-ng en+pedro, …" → "espeak-ng").</summary>
    public static string Engine(string speakerDescription) => speakerDescription.Split(' ', 2)[0];

    /// <summary>WER over the utterances of each engine (<paramref name="engines"/>: one per utterance, in order).</summary>
    public static IReadOnlyDictionary<string, EngineWer> ByEngine(IReadOnlyList<UtteranceErrors> utterances, IReadOnlyList<string> engines)
    {
        if (utterances.Count != engines.Count) throw new ArgumentException($"{utterances.Count} transcripts but {engines.Count} engines");
        return utterances.Zip(engines).GroupBy(x => x.Second, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new EngineWer(WordErrorRate.Ratio(g.Sum(x => x.First.Errors), g.Sum(x => x.First.ReferenceWords)), g.Sum(x => x.First.ReferenceWords)),
                StringComparer.Ordinal);
    }

    /// <summary>
    /// Does the model read the text? Its own NLL of the recordings' tokens given their phonemes, and
    /// given the phonemes of another case (rotated by one), under the same random masks. A model that
    /// ignores the text scores both alike. A model trained on aligned tokens gets each text spread over
    /// the utterance by its mean phoneme <paramref name="durations"/> (as at inference).
    /// </summary>
    public static (double TextNll, double ShuffledTextNll) TextSensitivity(IGenerator model, IReadOnlyList<Tensor> codes, IReadOnlyList<int[]> phonemes, long seed,
        int batchSize = 16, IReadOnlyList<double>? durations = null)
    {
        if (codes.Count != phonemes.Count || codes.Count < 2) throw new ArgumentException("give at least two utterances, each with its phonemes");
        int n = codes.Count;
        double right = 0, wrong = 0, weight = 0;
        using var _ = torch.no_grad();
        for (int start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var part = Enumerable.Range(start, Math.Min(batchSize, n - start)).ToList();
            long l = Math.Min(part.Max(i => codes[i].shape[0]), model.Layout.Positions);
            var lengths = part.Select(i => Math.Min(codes[i].shape[0], l)).ToArray();
            var indices = torch.zeros(part.Count, l, codes[0].shape[1], ScalarType.Int64);
            for (int k = 0; k < part.Count; k++) indices[k].narrow(0, 0, lengths[k]).copy_(codes[part[k]].narrow(0, 0, lengths[k]));
            var device = ModelDevice(model);
            var batch = new TokenBatch(indices.to(device), torch.tensor(lengths, device: device));
            double Nll(Func<int, int[]> text)
            {
                using var g = new torch.Generator((ulong)(seed + start), device);
                var starts = durations is null ? null : part.Select(i => (IReadOnlyList<float>)[.. SpeechSynthesizer.SpreadStarts(text(i), durations, 0, 1).Select(v => (float)v)]).ToList();
                var condition = Conditioning.PhonemeCondition.Of([.. part.Select(i => (IReadOnlyList<int>)text(i))], device, starts);
                return model.Loss(batch, condition, g).Parts.First(p => p.Name == "nll").Value.item<float>();
            }
            right += Nll(i => phonemes[i]) * part.Count;
            wrong += Nll(i => phonemes[(i + 1) % n]) * part.Count;
            weight += part.Count;
        }
        return (right / weight, wrong / weight);
    }

    /// <summary>
    /// Does the model use the prompt's voice? Its NLL of each recording's tokens (only those: the prompt
    /// is context, never scored) after the prompt of its case — another utterance of the same speaker —
    /// and after the prompt of case <paramref name="otherOf"/>[i], another speaker's, under the same
    /// random masks (<paramref name="repeats"/> draws of them, averaged). A model that ignores the voice
    /// scores both alike. Texts are spread by the mean phoneme <paramref name="durations"/> when the model
    /// was trained on aligned tokens. With <paramref name="wholeTarget"/> a masked model sees none of the
    /// recording (every depth masked: the state its sampler starts in, where the prompt is the only voice
    /// it has; the random masks of training leave it coarse tokens of the recording itself to read the voice from).
    /// </summary>
    public static (double VoiceNll, double OtherVoiceNll) VoiceSensitivity(IGenerator model, IReadOnlyList<Tensor> promptCodes, IReadOnlyList<int[]> promptPhonemes,
        IReadOnlyList<Tensor> codes, IReadOnlyList<int[]> phonemes, IReadOnlyList<int> otherOf, double positionRate, long seed, int batchSize = 16,
        IReadOnlyList<double>? durations = null, int repeats = 3, bool wholeTarget = false)
    {
        int n = codes.Count;
        if (promptCodes.Count != n || promptPhonemes.Count != n || phonemes.Count != n || otherOf.Count != n || n == 0)
            throw new ArgumentException("give one prompt, one recording and one other-speaker index per case");
        double right = 0, wrong = 0, weight = 0;
        using var _ = torch.no_grad();
        var device = ModelDevice(model);
        for (int start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var part = Enumerable.Range(start, Math.Min(batchSize, n - start)).ToList();
            double Nll(Func<int, int> promptOf, int r)
            {
                using var inner = torch.NewDisposeScope();
                var lengths = new long[part.Count];
                var promptLengths = new long[part.Count];
                var sequences = new List<Tensor>();
                var texts = new List<IReadOnlyList<int>>();
                var starts = durations is null ? null : new List<IReadOnlyList<float>>();
                for (int k = 0; k < part.Count; k++)
                {
                    int i = part[k], p = promptOf(i);
                    var seq = torch.cat([promptCodes[p], codes[i]]);
                    long len = Math.Min(seq.shape[0], model.Layout.Positions);
                    sequences.Add(seq.narrow(0, 0, len));
                    lengths[k] = len;
                    promptLengths[k] = Math.Min(promptCodes[p].shape[0], len - 1);
                    texts.Add([.. promptPhonemes[p], .. phonemes[i]]);
                    if (starts is not null)
                    {
                        var prompt = SpeechSynthesizer.PromptFromTokens(promptCodes[p], promptPhonemes[p], positionRate);
                        starts.Add(SpeechSynthesizer.ConditionStarts(prompt, phonemes[i], durations!, (int)len));
                    }
                }
                long l = lengths.Max();
                var indices = torch.zeros(part.Count, l, codes[0].shape[1], ScalarType.Int64);
                for (int k = 0; k < part.Count; k++) indices[k].narrow(0, 0, lengths[k]).copy_(sequences[k]);
                var batch = new TokenBatch(indices.to(device), torch.tensor(lengths, device: device), torch.tensor(promptLengths, device: device)) { WholeTarget = wholeTarget };
                using var g = new torch.Generator((ulong)(seed + start + (1000003L * r)), device);
                var condition = Conditioning.PhonemeCondition.Of(texts, device, starts);
                return model.Loss(batch, condition, g).Parts.First(p => p.Name == "nll").Value.item<float>();
            }
            for (int r = 0; r < repeats; r++)
            {
                right += Nll(i => i, r) * part.Count;
                wrong += Nll(i => otherOf[i], r) * part.Count;
                weight += part.Count;
            }
        }
        return (right / weight, wrong / weight);
    }

    static Device ModelDevice(IGenerator model) => model.Module.parameters().First().device;

    static TtsSystemScore Score(string name, string kind, int steps, IReadOnlyList<string> wavs, IReadOnlyList<string> texts, IReadOnlyList<Tensor> truthMels,
        MelSpectrogram mel, LanguageModelFiles lm, int threads, double passes, double seconds, double audioSeconds, double truthSeconds, SpeakerScorer? speakers)
    {
        var heard = SpeechRecognizer.Transcribe(wavs, lm, threads);
        var wer = WordErrorRate.Compute(texts, heard.Texts);
        double mcd = 0;
        for (int i = 0; i < wavs.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            mcd += MelCepstralDistortion.WithDtw(truthMels[i], LogMel(mel, WavFile.Read(wavs[i], mel.Config.SampleRate)));
        }
        (IReadOnlyList<double>? toPrompt, IReadOnlyList<double>? toOthers) = speakers is null ? (null, null) : speakers.Score(wavs);
        var shortOnes = wer.Utterances.Where(u => u.ReferenceWords <= ShortWords).ToList();
        var longOnes = wer.Utterances.Where(u => u.ReferenceWords > ShortWords).ToList();
        return new TtsSystemScore(name, kind, steps, wer.Rate, wer.Substitutions, wer.Deletions, wer.Insertions, wer.ReferenceWords, mcd / wavs.Count,
            passes, seconds, audioSeconds, audioSeconds / truthSeconds, toPrompt, toOthers,
            WordErrorRate.Ratio(shortOnes.Sum(u => u.Errors), shortOnes.Sum(u => u.ReferenceWords)),
            WordErrorRate.Ratio(longOnes.Sum(u => u.Errors), longOnes.Sum(u => u.ReferenceWords)), wer.Utterances);
    }

    /// <summary>
    /// Speaker similarity of WAVs to their case's prompt and to the prompts of the other speakers; with
    /// <c>skip</c>, the first skip[i] seconds of WAV i (a continuation's prompt) are left out of it.
    /// </summary>
    sealed class SpeakerScorer
    {
        readonly SpeakerEncoder encoder;
        readonly MelSpectrogram mel;
        readonly Tensor prompts;
        readonly string[] speakerOf;
        readonly double[]? skip;

        public SpeakerScorer(SpeakerEncoder encoder, IReadOnlyList<string> promptWavs, string[] speakerOf, double[]? skip = null)
        {
            this.encoder = encoder;
            this.speakerOf = speakerOf;
            this.skip = skip;
            mel = new MelSpectrogram(encoder.Config.Mel);
            prompts = Embed(promptWavs, null);
        }

        Tensor Embed(IReadOnlyList<string> wavs, double[]? leaveOut)
        {
            var rows = new List<Tensor>();
            for (int i = 0; i < wavs.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var audio = WavFile.Read(wavs[i], encoder.Config.Mel.SampleRate);
                if (leaveOut is not null)
                {
                    // at least a quarter second stays
                    int cut = (int)Math.Min(Math.Round(leaveOut[i] * audio.SampleRate), Math.Max(0, audio.Samples.Length - (audio.SampleRate / 4)));
                    audio = new MonoAudio(audio.Samples[cut..], audio.SampleRate);
                }
                rows.Add(SpeakerVerification.Embed(encoder, LogMel(mel, audio)).DetachFromDisposeScope());
            }
            var all = torch.stack(rows);
            foreach (var r in rows) r.Dispose();
            return all;
        }

        public (IReadOnlyList<double>, IReadOnlyList<double>) Score(IReadOnlyList<string> wavs)
        {
            using var scope = torch.NewDisposeScope();
            var e = Embed(wavs, skip);
            var cos = e.matmul(prompts.t()).data<float>().ToArray();   // [N, N]: speech i vs prompt j
            int n = wavs.Count;
            var own = new double[n];
            var others = new double[n];
            for (int i = 0; i < n; i++)
            {
                own[i] = cos[(i * n) + i];
                var other = Enumerable.Range(0, n).Where(j => speakerOf[j] != speakerOf[i]).Select(j => (double)cos[(i * n) + j]).ToList();
                others[i] = other.Count > 0 ? other.Average() : double.NaN;
            }
            return (own, others);
        }
    }

    static Tensor LogMel(MelSpectrogram mel, MonoAudio audio)
    {
        using var scope = torch.NewDisposeScope();
        return mel.FromWaveform(torch.tensor(audio.Samples)).MoveToOuterDisposeScope();
    }
}
