using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ResGen.Audio;
using ResGen.Generation.Speech;
using ResGen.IO;
using ResGen.Text;

namespace ResGen.Cli.Commands;

/// <summary>`resgen tts`: speaks a sentence in the voice of a short WAV prompt (zero-shot text-to-speech).</summary>
public static class TtsCommand
{
    public const string DefaultModel = "models/tts/resgen";
    public const string DefaultTokenizer = "models/tts/tokenizer";
    /// <summary>Prompts longer than this are refused (the shipped model reads about 12 s in all).</summary>
    public const double MaxPromptSeconds = 10;

    public static Command Create()
    {
        var text = new Option<string>("--text") { Description = "The English sentence to speak.", Required = true, HelpName = "TEXT" };
        var prompt = new Option<string>("--prompt") { Description = "A WAV file of the voice to speak in: 0.5-10 s of one speaker, about 3 s is best (16 kHz or more; any channels).", Required = true, HelpName = "WAV" };
        var promptText = new Option<string>("--prompt-text") { Description = "What the prompt says (its words; they condition the model together with --text).", Required = true, HelpName = "TEXT" };
        var output = new Option<string>("--out") { Description = "WAV file to write (16 kHz mono).", DefaultValueFactory = _ => "speech.wav", HelpName = "FILE" };
        var model = new Option<string>("--model") { Description = $"Text-to-speech generator checkpoint (default: {DefaultModel}, the shipped ResGen-TTS).", DefaultValueFactory = _ => InstallPaths.Shipped(DefaultModel), HelpName = "PATH" };
        var tokenizer = new Option<string>("--tokenizer") { Description = $"The speech tokenizer the model was trained on (default: {DefaultTokenizer}).", DefaultValueFactory = _ => InstallPaths.Shipped(DefaultTokenizer), HelpName = "PATH" };
        var steps = new Option<int?>("--steps") { Description = "Sampling steps T of a masked model (default from the model's config, 16).", HelpName = "T" };
        var cfg = new Option<float?>("--cfg") { Description = "Classifier-free guidance on the text (0 = none; default from the model's config).", HelpName = "W" };
        var guidePrompt = new Option<bool?>("--guide-prompt") { Description = "Guide towards the prompt's voice too: guidance's unconditional pass leaves out the prompt as well as the text (ResGen; `--guide-prompt false` turns it off; default from the model's config).", HelpName = "true|false" };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus filter of each draw: ResGen keeps the most likely mixture components up to this mass, the RQ-Transformer the most likely codes (0 < p <= 1; lower: steadier, less varied; default from the model's config).", HelpName = "P" };
        var seed = new Option<long>("--seed") { Description = "Seed (same seed, same speech).", DefaultValueFactory = _ => 0, HelpName = "N" };
        var rate = new Option<double>("--length-scale") { Description = "Multiplies the length taken from the prompt's speaking rate (above 1: slower).", DefaultValueFactory = _ => 1.0, HelpName = "S" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("tts", "Zero-shot text-to-speech: speak --text in the voice of --prompt (ResGen over speech tokens, the prompt's tokens kept, Griffin-Lim to audio).")
            { text, prompt, promptText, output, model, tokenizer, steps, cfg, guidePrompt, topP, seed, rate, device, threads };
        cmd.SetAction(pr =>
        {
            string sentence = pr.GetValue(text)!;
            double scale = pr.GetValue(rate);
            if (!(scale is >= 0.25 and <= 4)) throw new UserErrorException($"--length-scale must lie in 0.25..4, got {scale.ToString(CultureInfo.InvariantCulture)}.");
            if (pr.GetValue(steps) is < 1) throw new UserErrorException($"--steps must be at least 1, got {pr.GetValue(steps)}.");
            if (pr.GetValue(cfg) is { } w && !(w >= 0 && float.IsFinite(w))) throw new UserErrorException($"--cfg must be 0 or more, got {w.ToString(CultureInfo.InvariantCulture)}.");
            CheckTopP(pr.GetValue(topP));
            string outPath = pr.GetValue(output)!;
            OutputPath.Check(outPath, "--out");   // a regular file or nothing yet, before any work
            // everything about the inputs is checked before a model is read
            var audio = SpeechSynthesizer.PromptAudio(WavFile.Read(pr.GetValue(prompt)!, MaxPromptSeconds), WavFile.SpeechRate);
            var phonemes = SpeechSynthesizer.Phonemize(sentence, PhonemeVocabulary.Default, "--text");
            _ = SpeechSynthesizer.Phonemize(pr.GetValue(promptText)!, PhonemeVocabulary.Default, "--prompt-text");   // the transcript is checked too
            OutputFolder.PrepareFile(outPath, "--out");   // writable before a model is read and speech made
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            var tts = SpeechSynthesizer.Load(pr.GetValue(model)!, pr.GetValue(tokenizer)!, dev);
            var voice = tts.PromptFromSpeech(audio, pr.GetValue(promptText)!);
            if (pr.GetValue(guidePrompt) == true && tts.Generator.Kind != ResGen.Generation.ResGenModel.KindName)
                throw new UserErrorException($"--guide-prompt applies to ResGen models; the {tts.Generator.Kind} model keeps the prompt in both passes of guidance.");
            var s = tts.Config.Sample;
            s = s with { Steps = pr.GetValue(steps) ?? s.Steps, Guidance = pr.GetValue(cfg) ?? s.Guidance, GuidePrompt = pr.GetValue(guidePrompt) ?? s.GuidePrompt, TopP = pr.GetValue(topP) ?? s.TopP };
            s.Validate();
            var clock = Stopwatch.StartNew();
            var result = tts.Synthesize([phonemes], [voice], s, pr.GetValue(seed), lengthScale: scale)[0];
            double total = clock.Elapsed.TotalSeconds;
            WavFile.Write(outPath, result.Audio);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{tts.Generator.Kind}: {phonemes.Length} phonemes → {result.Codes.shape[0]} positions × D = {tts.Tokenizer.Depth} ({result.Audio.Seconds:0.00} s of speech) after a {voice.Seconds:0.0} s prompt; " +
                $"{(tts.Generator.Stepwise ? $"{s.Steps} steps, " : "")}{result.NetworkPasses} network passes"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"time: tokens {result.GenerateSeconds:0.00} s + decoder and Griffin-Lim {result.VocoderSeconds:0.00} s = {total:0.00} s; real-time factor {total / Math.Max(1e-9, result.Audio.Seconds):0.00}"));
            Console.WriteLine($"wrote {outPath}");
            return 0;
        });
        return cmd;
    }

    /// <summary>--top-p, when given, must lie in (0, 1].</summary>
    internal static void CheckTopP(float? p)
    {
        if (p is { } v && !(v > 0 && v <= 1)) throw new UserErrorException($"--top-p must lie in (0, 1], got {v.ToString(CultureInfo.InvariantCulture)}.");
    }
}
