using System.Diagnostics;
using ResGen.Evaluation.Speech;

namespace ResGen.Tests.Evaluation.Speech;

public sealed class SpeechRecognizerTests
{
    [Fact]
    public void TheSamplesOfAWavWithAnExtraChunkAreCopiedExactly()
    {
        using var dir = new TempDirectory();
        var samples = TestWav.Noise(1601, 3000, seed: 1);
        TestWav.Write(dir.File("a.wav"), samples, listChunk: true);
        double seconds = RecognizerAudio.CopyToRaw(dir.File("a.wav"), dir.File("a.raw"));
        Assert.Equal(1601 / 16000.0, seconds, 12);
        Assert.Equal(samples, TestWav.ReadRaw(dir.File("a.raw")));
    }

    [Fact]
    public void AWavAtAnotherRateWithTwoChannelsBecomes16KilohertzMono()
    {
        using var dir = new TempDirectory();
        // one second of a 441 Hz tone at 44.1 kHz, the same in both channels
        var stereo = new short[2 * 44100];
        for (int i = 0; i < 44100; i++) stereo[2 * i] = stereo[2 * i + 1] = (short)(8000 * Math.Sin(2 * Math.PI * 441 * i / 44100.0));
        TestWav.Write(dir.File("cd.wav"), stereo, sampleRate: 44100, channels: 2);
        double seconds = RecognizerAudio.CopyToRaw(dir.File("cd.wav"), dir.File("cd.raw"));
        Assert.Equal(1.0, seconds, 2);
        var mono = TestWav.ReadRaw(dir.File("cd.raw"));
        Assert.InRange(mono.Length, 15990, 16010);
        Assert.InRange(mono.Max(), 7600, 8400);
    }

    [Fact]
    public void AMissingOrNonWavFileIsAUserErrorNamingIt()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("notes.wav"), "not audio at all");
        Assert.Contains("notes.wav", Assert.Throws<UserErrorException>(() => RecognizerAudio.CopyToRaw(dir.File("notes.wav"), dir.File("x.raw"))).Message);
        Assert.Contains("gone.wav", Assert.Throws<UserErrorException>(() => RecognizerAudio.CopyToRaw(dir.File("gone.wav"), dir.File("y.raw"))).Message);
    }

    [Fact]
    public void HypothesisLinesKeepBaseWordsAndDropFillers()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("h.hyp"),
        [
            "the cat sat (u000000 -12345)",
            " (u000001 0)",
            "read(2) <sil> the [NOISE] book (u000002 -99)",
        ]);
        var parsed = SpeechRecognizer.ReadHypotheses(dir.File("h.hyp")).ToList();
        Assert.Equal([("u000000", "the cat sat"), ("u000001", ""), ("u000002", "read the book")], parsed);
    }

    [Fact]
    public void TheDecoderCpuTimeIsReadFromTheLogSummary()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("p.log"),
        [
            "INFO: batch.c(760): u000001: 2.77 seconds speech, 1.06 seconds CPU, 1.07 seconds wall",
            "INFO: batch.c(777): TOTAL 335.79 seconds speech, 36.93 seconds CPU, 58.98 seconds wall",
            "INFO: ngram_search_fwdtree.c(427): TOTAL fwdtree 26.62 CPU 0.079 xRT",
        ]);
        Assert.Equal(36.93, SpeechRecognizer.DecoderCpuSeconds(dir.File("p.log")));
        Assert.Equal(0.0, SpeechRecognizer.DecoderCpuSeconds(dir.File("missing.log")));
    }

    [Fact]
    public void AMissingRecognizerIsAUserErrorNamingTheDebianPackages()
    {
        var e = Assert.Throws<UserErrorException>(() => PocketSphinx.RequireBatchProgram("/nonexistent-folder"));
        Assert.Contains("pocketsphinx_batch", e.Message);
        Assert.Contains("apt-get install pocketsphinx pocketsphinx-en-us", e.Message);
    }

    [Fact]
    public void TheDecoderArgumentsAreTheFixedDocumentedOnes()
    {
        var lm = new LanguageModelFiles("/cache/abc", "abc", 1, 0, [], 1, [1]);
        var args = SpeechRecognizer.Arguments(lm, "/in", "/in/a.ctl", "/in/a.hyp");
        Assert.Equal(
            ["-ctl", "/in/a.ctl", "-cepdir", "/in", "-cepext", ".raw", "-adcin", "yes", "-samprate", "16000",
             "-hmm", PocketSphinx.AcousticModel, "-lm", "/cache/abc/lm.arpa", "-dict", "/cache/abc/lm.dict", "-hyp", "/in/a.hyp"],
            args);
    }

    static readonly string[] Spoken =
    [
        "The old man walked slowly to the market.",
        "She opened the red door and smiled.",
        "Water ran down the hill to the river.",
    ];

    static readonly string[] Pool =
    [
        .. Spoken,
        "The cat sat on the mat.", "The dog sat on the log.", "A cat and a dog met on the road.",
        "She gave the dog a bone.", "He gave the cat some milk.", "The market was busy in the morning.",
        "In the morning the birds sing.", "Birds sing when the sun comes up.", "The sun comes up over the hill.",
        "A small house stood on the hill.", "The house had a red door.", "He walked slowly down the road.",
        "The road was long and dusty.", "The thirsty dog drank some water.", "The river was cold in the morning.",
        "The old woman smiled at the children.", "Children ran to the river after school.",
    ];

    [SpeechToolsFact]
    public void FestivalSpeechIsRecognizedWellAndNoiseIsNot()
    {
        var clock = Stopwatch.StartNew();
        using var dir = new TempDirectory();
        var lm = LanguageModel.Build(Pool, dir.File("lm"));
        Assert.Equal(0, lm.DroppedSentences);

        var wavs = new List<string>();
        for (int i = 0; i < Spoken.Length; i++)
        {
            wavs.Add(dir.File($"s{i}.wav"));
            Festival.Render(Spoken[i], wavs[^1]);
        }

        wavs.Add(dir.File("noise.wav"));
        TestWav.Write(wavs[^1], TestWav.Noise(3 * 16000, 8000, seed: 5));

        var two = SpeechRecognizer.Transcribe(wavs, lm, threads: 2);
        Assert.Equal(2, two.Processes);
        Assert.True(two.AudioSeconds > 6, $"audio {two.AudioSeconds} s");
        Assert.True(two.DecoderCpuSeconds > 0 && two.CpuRealTimeFactor < 2, $"decoder CPU {two.DecoderCpuSeconds} s");
        var speech = WordErrorRate.Compute(Spoken, two.Texts.Take(3).ToList());
        Assert.True(speech.Rate <= 0.5, $"{speech}: {string.Join(" | ", two.Texts)}");
        var noise = WordErrorRate.Compute([Spoken[0]], [two.Texts[3]]);
        Assert.True(noise.Rate >= speech.Rate + 0.4, $"noise: {noise}, speech: {speech}");

        // one process gives the same hypotheses: a file's result does not depend on its neighbours
        var one = SpeechRecognizer.Transcribe(wavs, lm, threads: 1);
        Assert.Equal(two.Texts, one.Texts);
        Assert.True(clock.Elapsed.TotalSeconds < 20, $"took {clock.Elapsed.TotalSeconds:F1} s");
    }
}
