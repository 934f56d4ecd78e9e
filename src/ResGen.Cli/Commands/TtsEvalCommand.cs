using System.CommandLine;
using System.Globalization;
using ResGen.Data.Speech;
using ResGen.Evaluation.Speech;
using ResGen.Generation.Speech;
using ResGen.IO;
using ResGen.Tokens.Speech;

namespace ResGen.Cli.Commands;

/// <summary>`resgen eval tts`: zero-shot TTS models side by side on unseen speakers (WER ratios, MCD, speed).</summary>
public static class TtsEvalCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model")
        {
            Description = $"Text-to-speech generator checkpoints to compare (repeat the option; default: {TtsCommand.DefaultModel} and models/tts/rq-transformer).",
            HelpName = "PATH",
            AllowMultipleArgumentsPerToken = true,
        };
        var tokenizer = new Option<string>("--tokenizer") { Description = $"The speech tokenizer the models were trained on (default: {TtsCommand.DefaultTokenizer}).", DefaultValueFactory = _ => InstallPaths.Shipped(TtsCommand.DefaultTokenizer), HelpName = "PATH" };
        var data = new Option<string>("--data") { Description = "The speech corpus (from `resgen data speech`).", DefaultValueFactory = _ => "runs/speech/corpus", HelpName = "DIR" };
        var split = new Option<string>("--split") { Description = "Which held-out split: held-out-speaker (unseen voices, the zero-shot task) or held-out-sentence.", DefaultValueFactory = _ => CorpusPlan.HeldOutSpeaker };
        split.AcceptOnlyFromAmong(CorpusPlan.HeldOutSpeaker, CorpusPlan.HeldOutSentence);
        var task = new Option<string>("--task") { Description = "cross-sentence (the prompt is another utterance of the speaker) or continuation (the first 3 s of the utterance itself, the rest spoken at its true length and scored whole).", DefaultValueFactory = _ => "cross-sentence" };
        task.AcceptOnlyFromAmong("cross-sentence", "continuation");
        var perSpeaker = new Option<int>("--per-speaker") { Description = "Utterances per speaker (each spoken from another utterance of that speaker as the prompt).", DefaultValueFactory = _ => 5, HelpName = "N" };
        var steps = new Option<int?>("--steps") { Description = "Sampling steps of the masked models (default from each model's config).", HelpName = "T" };
        var cfg = new Option<float?>("--cfg") { Description = "Guidance scale on the text (default from each model's config).", HelpName = "W" };
        var mixtureGuidance = new Option<string?>("--mixture-guidance") { Description = "How guidance acts on a mixture (ResGen): tilt, logits or extrapolate (see `resgen eval --help`; default from each model's config).", HelpName = "NAME" };
        var guidePrompt = new Option<bool?>("--guide-prompt") { Description = "Guide the masked models towards the prompt's voice too: guidance's unconditional pass leaves out the prompt as well as the text (ResGen models only; `--guide-prompt false` turns it off; default from each model's config).", HelpName = "true|false" };
        var trueTiming = new Option<bool>("--true-timing") { Description = "Cross-sentence only: give every model the recording's length and its phonemes' aligned starts instead of the durations the prompt's rate implies (an oracle for the duration model: how many words are lost to timing)." };
        var drawScale = new Option<float?>("--draw-scale") { Description = "0: a chosen mixture component's mean; s > 0: a draw from it with its scale times s (ResGen; default from each model's config).", HelpName = "S" };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus filter of each draw, for every model: ResGen's mixture components, the RQ-Transformer's codes (0 < p <= 1; default from each model's config).", HelpName = "P" };
        var seed = new Option<long>("--seed") { Description = "Seed of prompt choice and sampling.", DefaultValueFactory = _ => 0, HelpName = "N" };
        var batch = new Option<int>("--batch-size") { Description = "Utterances synthesized together.", DefaultValueFactory = _ => 8, HelpName = "N" };
        var recognizers = new Option<int>("--recognizer-threads") { Description = "pocketsphinx processes run side by side.", DefaultValueFactory = _ => 2, HelpName = "N" };
        var lmCache = new Option<string>("--lm-cache") { Description = "Where the in-domain language model is kept (built once per sentence pool).", DefaultValueFactory = _ => "runs/cache/language-models", HelpName = "DIR" };
        var speaker = new Option<string?>("--speaker-encoder") { Description = $"Speaker encoder for the similarity scores (default: {SpeakerCommands.DefaultCheckpoint} when it exists; `none` to skip).", HelpName = "PATH" };
        var outDir = new Option<string>("--out-dir") { Description = "Where report.json, the WAVs of every system and similarity.png (the speaker-similarity distributions) go.", DefaultValueFactory = _ => "runs/eval-tts", HelpName = "DIR" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("tts", "Evaluate zero-shot TTS models side by side on held-out speakers: pocketsphinx WER next to the ground truth's and its resynthesis', MCD against the real recording, duration ratio, network passes, real-time factor.")
            { models, tokenizer, data, split, task, perSpeaker, steps, cfg, mixtureGuidance, guidePrompt, trueTiming, drawScale, topP, seed, batch, recognizers, lmCache, speaker, outDir, device, threads };
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(perSpeaker), b = pr.GetValue(batch), r = pr.GetValue(recognizers);
            if (n < 1) throw new UserErrorException($"--per-speaker must be at least 1, got {n}.");
            if (b < 1) throw new UserErrorException($"--batch-size must be at least 1, got {b}.");
            if (r < 1) throw new UserErrorException($"--recognizer-threads must be at least 1, got {r}.");
            if (pr.GetValue(steps) is < 1) throw new UserErrorException($"--steps must be at least 1, got {pr.GetValue(steps)}.");
            TtsCommand.CheckTopP(pr.GetValue(topP));
            if (pr.GetValue(trueTiming) && pr.GetValue(task) == "continuation")
                throw new UserErrorException("--true-timing applies to the cross-sentence task; a continuation is already spoken at its true length.");
            var paths = pr.GetValue(models) is { Length: > 0 } given ? given : [InstallPaths.Shipped(TtsCommand.DefaultModel), InstallPaths.Shipped("models/tts/rq-transformer")];
            string dir = pr.GetValue(outDir)!;
            OutputFolder.Prepare(dir);
            var corpus = SpeechCorpus.Load(pr.GetValue(data)!);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            if (!SpeechTokenizerCheckpoint.IsSpeechTokenizer(pr.GetValue(tokenizer)!))
                throw new UserErrorException($"'{pr.GetValue(tokenizer)}' is not a speech tokenizer.");
            var (tok, _, hash) = SpeechTokenizerCheckpoint.Load(pr.GetValue(tokenizer)!, dev);
            var systems = new List<(string, SpeechSynthesizer, ResGen.Generation.SamplerSettings)>();
            foreach (var path in paths)
            {
                var tts = SpeechSynthesizer.Load(path, tok, hash, dev);
                var s = tts.Config.Sample;
                s = s with { Steps = pr.GetValue(steps) ?? s.Steps, Guidance = pr.GetValue(cfg) ?? s.Guidance, MixtureGuidance = pr.GetValue(mixtureGuidance) ?? s.MixtureGuidance, GuidePrompt = tts.Generator.Kind == ResGen.Generation.ResGenModel.KindName && (pr.GetValue(guidePrompt) ?? s.GuidePrompt), DrawScale = pr.GetValue(drawScale) ?? s.DrawScale, TopP = pr.GetValue(topP) ?? s.TopP };
                s.Validate();
                string name = tts.Generator.Kind;
                for (int k = 2; systems.Any(x => x.Item1 == name); k++) name = $"{tts.Generator.Kind}-{k}";
                systems.Add((name, tts, s));
            }
            string? speakerPath = pr.GetValue(speaker);
            if (speakerPath is null && File.Exists(InstallPaths.Shipped(SpeakerCommands.DefaultCheckpoint) + ".json")) speakerPath = InstallPaths.Shipped(SpeakerCommands.DefaultCheckpoint);
            var encoder = speakerPath is null or "none" ? null : SpeakerEncoderTraining.Load(speakerPath, dev).Encoder;
            var taskValue = pr.GetValue(task) == "continuation" ? TtsTask.Continuation : TtsTask.CrossSentence;
            var cases = TtsEvaluation.Cases(corpus, pr.GetValue(split)!, n, (int)pr.GetValue(seed), taskValue);
            var lm = LanguageModel.Build(corpus.Utterances.Select(u => u.Text).Distinct(StringComparer.Ordinal), Path.GetFullPath(pr.GetValue(lmCache)!));
            Console.WriteLine($"{pr.GetValue(task)}: {cases.Count} utterances of {cases.Select(c => c.Target.Speaker).Distinct().Count()} {pr.GetValue(split)} speakers; systems: {string.Join(", ", systems.Select(x => $"{x.Item1} ({x.Item3})"))}");
            var report = ConsoleProgress.Run("evaluating", 1.0, (p, log) =>
                TtsEvaluation.Run(corpus, pr.GetValue(split)!, cases, systems, dir, lm, b, pr.GetValue(seed), r, p, log, encoder, pr.GetValue(trueTiming)));
            Console.WriteLine($"system                   steps   WER %   ×truth  ×resynth  short/long WER %   S/D/I        MCD dB   length   passes      RTF   SIM prompt / others  (short: ≤ {TtsEvaluation.ShortWords} words)");
            var truth = report.Systems[0].Wer;
            var resynth = report.Systems[1].Wer;
            foreach (var s in report.Systems)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Name,-24} {s.Steps,5}  {s.Wer * 100,6:0.0}  {Ratio(s.Wer, truth),7}  {Ratio(s.Wer, resynth),8}  {s.ShortWer * 100,7:0.0} /{s.LongWer * 100,5:0.0}   {$"{s.Substitutions}/{s.Deletions}/{s.Insertions}",-11}  {s.Mcd,7:0.00}  {s.LengthRatio,7:0.00}  {s.NetworkPasses,7:0.#}  {s.RealTimeFactor,7:0.000}   {Similarity(s)}"));
            foreach (var s in report.Systems.Where(s => s.TextNll is not null))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Name}: NLL of the recordings' tokens {s.TextNll:0.0000} with their text, {s.ShuffledTextNll:0.0000} with another utterance's text ({(s.ShuffledTextNll > s.TextNll + 0.001 ? "the text is read" : "the text is not read")})"));
            foreach (var s in report.Systems.Where(s => s.VoiceNll is not null))
            {
                string start = s.StartVoiceNll is { } own
                    ? string.Create(CultureInfo.InvariantCulture, $"; with all of the recording masked (the sampler's start) {own:0.0000} / {s.StartOtherVoiceNll:0.0000}") : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Name}: NLL of the recordings' tokens {s.VoiceNll:0.0000} after a prompt of their speaker, {s.OtherVoiceNll:0.0000} after another speaker's ({(s.OtherVoiceNll > s.VoiceNll + 0.001 ? "the voice is used" : "the voice is not used")}){start}"));
            }
            foreach (var s in report.Systems.Where(s => s.WerByEngine is { Count: > 1 }))
                Console.WriteLine($"{s.Name}: WER by speech engine {string.Join(", ", s.WerByEngine!.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} {e.Value.Wer * 100:0.0}% ({e.Value.ReferenceWords} words)")))}");
            foreach (var s in report.Systems.Where(s => s.CloserToPrompt is not null))
                Console.WriteLine($"{s.Name}: closer to its prompt than to the other speakers' in {s.CloserToPrompt} of {s.PromptSimilarity!.Count} utterances");
            Reports.WriteJson(Path.Combine(dir, "report.json"), report);
            bool plotted = TtsEvaluation.PlotSimilarity(report, Path.Combine(dir, "similarity.png"));
            Console.WriteLine($"wrote {dir}/report.json{(plotted ? $", {dir}/similarity.png (both similarity distributions of every system)" : "")} and the WAVs of every system under {dir}/");
            return 0;
        });
        return cmd;
    }

    static string Similarity(TtsSystemScore s) => s.MeanPromptSimilarity is { } own
        ? string.Create(CultureInfo.InvariantCulture, $"{own:0.000} / {s.MeanOtherSimilarity:0.000}") : "-";

    static string Ratio(double value, double reference) => reference > 0 ? (value / reference).ToString("0.00", CultureInfo.InvariantCulture) : "-";
}
