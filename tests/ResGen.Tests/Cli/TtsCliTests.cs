using ResGen.Audio;
using ResGen.Cli;
using ResGen.Evaluation.Speech;
using ResGen.Tests.Data.Speech;

namespace ResGen.Tests.Cli;

/// <summary>`resgen tts` and `resgen eval tts`: bad inputs are one sentence before any model is read; the whole speech pipeline runs from a fresh corpus.</summary>
[Collection(TorchCollection.Name)]
public sealed class TtsCliTests
{
    /// <summary>A 16-bit WAV of a buzzing vowel-like tone (speech enough for the checks), <paramref name="seconds"/> long.</summary>
    static string Tone(TempDirectory dir, string name, double seconds, int rate = 16_000, bool silent = false)
    {
        var samples = new float[(int)(seconds * rate)];
        for (int i = 0; i < samples.Length; i++)
        {
            double t = (double)i / rate;
            samples[i] = silent ? 0f : (float)(0.3 * Math.Sin(2 * Math.PI * 140 * t) + 0.15 * Math.Sin(2 * Math.PI * 700 * t) * (1 + Math.Sin(2 * Math.PI * 3 * t)));
        }
        string path = dir.File(name);
        WavFile.Write(path, new MonoAudio(samples, rate));
        return path;
    }

    [SpeechToolsInstalledTheory]
    [InlineData("does not exist", "missing")]
    [InlineData("empty", "empty")]
    [InlineData("not a readable WAV", "text")]
    [InlineData("at most 10", "huge")]
    [InlineData("8000 Hz", "8khz")]
    [InlineData("silent", "silent")]
    [InlineData("0.3 s", "short")]
    [InlineData("--text is empty", "ok", "")]
    [InlineData("--prompt-text is empty", "ok", "Hello there.", "--prompt-text", "")]
    [InlineData("--prompt-text '😀 😀' has no letters", "ok", "Hello there.", "--prompt-text", "😀 😀")]
    [InlineData("--prompt-text has 50000 characters", "ok", "Hello there.", "--prompt-text", "LONG")]
    [InlineData("no letters", "ok", "😀 😀")]
    [InlineData("Latin alphabet", "ok", "日本語のテキスト")]
    [InlineData("--text has 480 characters", "ok", "LONG")]
    [InlineData("--length-scale", "ok", "Hello there.", "--length-scale", "0")]
    [InlineData("--steps", "ok", "Hello there.", "--steps", "0")]
    [InlineData("--cfg", "ok", "Hello there.", "--cfg", "-1")]
    [InlineData("--top-p must lie in (0, 1]", "ok", "Hello there.", "--top-p", "0")]
    [InlineData("--top-p must lie in (0, 1]", "ok", "Hello there.", "--top-p", "1.5")]
    [InlineData("is a folder", "ok", "Hello there.", "--out", "{DIR}")]
    [InlineData("does not exist", "ok", "Hello there.", "--model", "/nonexistent/model")]
    public void BadInputIsOneSentenceBeforeAnyModelIsRead(string mentions, string prompt, string text = "Hello there, how are you?", params string[] extra)
    {
        using var dir = new TempDirectory();
        string wav = prompt switch
        {
            "missing" => dir.File("nothing.wav"),
            "empty" => dir.File("empty.wav"),
            "text" => dir.File("notes.wav"),
            "huge" => Tone(dir, "huge.wav", 11),
            "8khz" => Tone(dir, "phone.wav", 2, rate: 8000),
            "silent" => Tone(dir, "silent.wav", 2, silent: true),
            "short" => Tone(dir, "short.wav", 0.3),
            _ => Tone(dir, "voice.wav", 2),
        };
        if (prompt == "empty") File.WriteAllBytes(wav, []);
        if (prompt == "text") File.WriteAllText(wav, "these are my notes, not audio\n");
        if (text == "LONG") text = string.Concat(Enumerable.Repeat("Say this again. ", 30));
        var args = new List<string> { "tts", "--text", text, "--prompt", wav };
        if (!extra.Contains("--prompt-text")) args.AddRange(["--prompt-text", "A voice to copy."]);
        if (!extra.Contains("--out")) args.AddRange(["--out", dir.File("out.wav")]);
        // the default model may not be shipped yet: these errors must come before it is read
        if (!extra.Contains("--model")) args.AddRange(["--model", dir.File("no-model")]);
        args.AddRange(extra.Select(a => a == "{DIR}" ? dir.Path : a == "LONG" ? string.Concat(Enumerable.Repeat("Hello. ", 50_000 / 7)) + "Hi. Hi" : a));
        var (code, _, err) = Repo.Resgen([.. args]);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == CliApp.UserError, $"exit {code}: {err}");
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal), err);
        Assert.Contains(mentions, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(dir.File("out.wav")));
    }

    [SpeechToolsInstalledFact]
    public void CorpusToTokensToModelsToSpeechAndItsEvaluation()
    {
        using var dir = new TempDirectory();
        string root = Repo.Root();
        void Ok(params string[] args)
        {
            var (code, stdout, err) = Repo.Resgen(args);
            Assert.True(code == 0, $"resgen {string.Join(' ', args)}: exit {code}\n{stdout}\n{err}");
        }
        string corpus = dir.File("corpus"), tok = dir.File("tok");
        Ok("data", "speech", "--out", corpus, "--speakers-train", "3", "--speakers-held-out", "2", "--per-speaker", "3", "--seed", "1");
        Ok("tokenizer", "train", "--config", Path.Combine(root, "configs/speech-tokenizer-tiny.json"), "--data", corpus, "--out", tok, "--set", "train.steps=6");
        Ok("tokenizer", "encode", "--checkpoint", Path.Combine(tok, "model"), "--data", corpus, "--split", "train", "--out", dir.File("train.st"));
        Ok("tokenizer", "encode", "--checkpoint", Path.Combine(tok, "model"), "--data", corpus, "--split", "test", "--out", dir.File("test.st"));
        foreach (var kind in new[] { "resgen", "rq-transformer" })
            Ok("train", "--model", kind, "--config", Path.Combine(root, $"configs/{kind}-tts-tiny.json"), "--tokens", dir.File("train.st"), "--val-tokens", dir.File("test.st"),
               "--tokenizer", Path.Combine(tok, "model"), "--out", dir.File(kind), "--set", "train.steps=4", "--set", "train.eval_every=4");

        // an image token file with a speech tokenizer, and the other way round, is one sentence
        var (code, _, err) = Repo.Resgen("train", "--tokens", dir.File("train.st"), "--tokenizer", Path.Combine(root, "models/tokenizer"), "--out", dir.File("x"));
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains("speech tokenizer", err);

        var speechCorpus = ResGen.Data.Speech.SpeechCorpus.Load(corpus);
        var prompt = speechCorpus.Split("held-out-speaker").First();
        Ok("tts", "--text", "A short sentence to speak.", "--prompt", speechCorpus.WavPath(prompt), "--prompt-text", prompt.Text,
           "--model", dir.File("resgen/model"), "--tokenizer", Path.Combine(tok, "model"), "--out", dir.File("speech.wav"), "--steps", "3", "--guide-prompt", "true", "--top-p", "0.5");
        var audio = WavFile.Read(dir.File("speech.wav"));
        Assert.Equal(16_000, audio.SampleRate);
        Assert.InRange(audio.Seconds, 0.3, 8);
        // prompt guidance is ResGen's: asked of the autoregressive model it is one sentence
        (code, _, err) = Repo.Resgen("tts", "--text", "A short sentence to speak.", "--prompt", speechCorpus.WavPath(prompt), "--prompt-text", prompt.Text,
           "--model", dir.File("rq-transformer/model"), "--tokenizer", Path.Combine(tok, "model"), "--out", dir.File("rq.wav"), "--guide-prompt", "true");
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains("--guide-prompt applies to ResGen", err);
        Assert.False(File.Exists(dir.File("rq.wav")));

        Ok("speaker", "train", "--config", Path.Combine(root, "configs/speaker-encoder-tiny.json"), "--data", corpus, "--out", dir.File("spk"), "--set", "train.steps=4");
        var (evalCode, stdout, evalErr) = Repo.Resgen("eval", "tts", "--model", dir.File("resgen/model"), dir.File("rq-transformer/model"), "--tokenizer", Path.Combine(tok, "model"),
            "--data", corpus, "--per-speaker", "1", "--steps", "2", "--out-dir", dir.File("eval"), "--lm-cache", dir.File("lm"), "--recognizer-threads", "1",
            "--speaker-encoder", dir.File("spk/model"), "--top-p", "0.5");
        Assert.True(evalCode == 0, stdout + evalErr);
        Assert.Equal(2, stdout.Split("top_p=0.5 ").Length - 1);   // both models sample with the given nucleus
        foreach (var row in new[] { "ground truth", "resynthesis", "resgen", "rq-transformer" }) Assert.Contains(row, stdout);
        Assert.True(File.Exists(dir.File("eval/report.json")));
        Assert.Contains("prompt_similarity", File.ReadAllText(dir.File("eval/report.json")));
        Assert.True(File.Exists(dir.File("eval/similarity.png")));
        Assert.Contains("wer_by_engine", File.ReadAllText(dir.File("eval/report.json")));
        Assert.Contains("closer to its prompt than to the other speakers' in", stdout);
        Assert.Equal(2, Directory.GetFiles(dir.File("eval/resgen"), "*.wav").Length);

        // the duration oracle: every model speaks at the recording's length
        (evalCode, stdout, evalErr) = Repo.Resgen("eval", "tts", "--true-timing", "--model", dir.File("resgen/model"), "--tokenizer", Path.Combine(tok, "model"),
            "--data", corpus, "--per-speaker", "1", "--steps", "2", "--out-dir", dir.File("eval-true"), "--lm-cache", dir.File("lm"), "--recognizer-threads", "1", "--speaker-encoder", "none");
        Assert.True(evalCode == 0, stdout + evalErr);
        foreach (var wav in Directory.GetFiles(dir.File("eval-true/resgen"), "*.wav"))
        {
            var truth = speechCorpus.Utterances.Single(u => u.Id == Path.GetFileNameWithoutExtension(wav));
            Assert.InRange(WavFile.Read(wav).Seconds, truth.Seconds - 0.2, truth.Seconds + 0.2);
        }
        (evalCode, _, evalErr) = Repo.Resgen("eval", "tts", "--true-timing", "--task", "continuation", "--model", dir.File("resgen/model"), "--data", corpus, "--out-dir", dir.File("eval-bad"));
        Assert.Equal(CliApp.UserError, evalCode);
        Assert.Contains("--true-timing applies to the cross-sentence task", evalErr);

        // the continuation task: the first seconds of each utterance are the prompt, the audio is scored whole;
        // speaker similarity compares what follows the prompt with the prompt, cut from the recording
        (evalCode, stdout, evalErr) = Repo.Resgen("eval", "tts", "--task", "continuation", "--model", dir.File("resgen/model"), "--tokenizer", Path.Combine(tok, "model"),
            "--data", corpus, "--per-speaker", "1", "--steps", "2", "--out-dir", dir.File("eval-cont"), "--lm-cache", dir.File("lm"), "--recognizer-threads", "1",
            "--speaker-encoder", dir.File("spk/model"), "--top-p", "0.5");
        Assert.True(evalCode == 0, stdout + evalErr);
        Assert.Contains("top_p=0.5 ", stdout);
        Assert.Contains("continuation", stdout);
        Assert.Contains("prompt_similarity", File.ReadAllText(dir.File("eval-cont/report.json")));
        var tokenizer = ResGen.Tokens.Speech.SpeechTokenizerCheckpoint.Load(Path.Combine(tok, "model")).Tokenizer;
        foreach (var wav in Directory.GetFiles(dir.File("eval-cont/resgen"), "*.wav"))
        {
            var truth = speechCorpus.Utterances.Single(u => u.Id == Path.GetFileNameWithoutExtension(wav));
            Assert.InRange(WavFile.Read(wav).Seconds, truth.Seconds - 0.2, truth.Seconds + 0.2);   // prompt + rest at the true length
            var recording = WavFile.Read(speechCorpus.WavPath(truth));
            using var mel = new MelSpectrogram(tokenizer.Mel);
            int total = (int)tokenizer.PositionsOf(mel.FromWaveform(TorchSharp.torch.tensor(recording.Samples)).shape[1]);
            double promptSeconds = TtsEvaluation.ContinuationPromptPositions(total, tokenizer.PositionRate) * tokenizer.Stride * tokenizer.Mel.HopLength / 16_000.0;
            var clip = WavFile.Read(dir.File($"eval-cont/prompts/{truth.Id}.wav"));
            Assert.InRange(clip.Seconds, promptSeconds - 0.01, promptSeconds + 0.01);
            Assert.All(clip.Samples.Zip(recording.Samples), pair => Assert.InRange(pair.First - pair.Second, -1e-3f, 1e-3f));   // the recording's start, as 16-bit samples
        }
    }
}
