using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// Recognizes WAV files with Debian's <c>pocketsphinx_batch</c>, the en-us acoustic model and an
/// in-domain language model (<see cref="LanguageModel"/>), splitting the files across processes.
/// </summary>
/// <remarks>
/// <para>Each file (16 kHz, mono, 16-bit PCM WAV) is copied as headerless PCM into a private
/// temporary folder under a numbered utterance id; file i goes to process i mod P, each process
/// gets a control file of its ids and writes its own hypothesis file, and the hypotheses are put
/// back in input order. The acoustic model normalises cepstra per utterance (its feat.params sets
/// <c>-cmn batch</c>) and dithering is off, so a file's hypothesis does not depend on the other
/// files, their order or the number of processes: the result is deterministic.</para>
/// <para>The decoder settings are pocketsphinx's defaults and are the same for every system under
/// evaluation (nothing is tuned per model): three passes (lexicon tree, flat lexicon, best path
/// over the lattice), language-model weights 6.5 / 8.5 / 9.5, word insertion penalty 0.65, silence
/// probability 0.005, filler probability 1e-8, default beams, voice-activity detection and noise
/// removal on. <see cref="Arguments"/> lists exactly what is passed.</para>
/// </remarks>
public static partial class SpeechRecognizer
{
    /// <summary>
    /// Transcribes <paramref name="wavPaths"/> with the language model and dictionary of <paramref name="languageModel"/>.
    /// </summary>
    /// <param name="wavPaths">16 kHz mono 16-bit PCM WAV files.</param>
    /// <param name="languageModel">The in-domain model from <see cref="LanguageModel.Build"/>.</param>
    /// <param name="threads">Number of recognizer processes to run side by side (at most one per file).</param>
    /// <param name="cancellationToken">Stops the recognizer processes and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="UserErrorException">pocketsphinx is not installed, the model files are missing, or a WAV file is unreadable or in another format.</exception>
    /// <exception cref="InvalidOperationException">A recognizer process failed (the message holds the end of its log).</exception>
    public static Transcription Transcribe(IReadOnlyList<string> wavPaths, LanguageModelFiles languageModel, int threads = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wavPaths);
        ArgumentNullException.ThrowIfNull(languageModel);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (wavPaths.Count == 0) return new Transcription([], 0, 0, 0, 0);
        string program = PocketSphinx.RequireBatchProgram();
        foreach (var file in new[] { languageModel.ArpaPath, languageModel.DictionaryPath })
            if (!File.Exists(file))
                throw new UserErrorException($"The language model file '{file}' is missing; build the model again with LanguageModel.Build.");

        var clock = Stopwatch.StartNew();
        string work = Path.Combine(Path.GetTempPath(), "resgen-asr-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            double audioSeconds = 0;
            for (int i = 0; i < wavPaths.Count; i++)
                audioSeconds += RecognizerAudio.CopyToRaw(wavPaths[i], Path.Combine(work, UtteranceId(i) + ".raw"));

            int processes = Math.Min(threads, wavPaths.Count);
            var runs = new List<(Process Process, Task<string> Stdout, Task<string> Stderr, string Log)>();
            try
            {
                for (int p = 0; p < processes; p++)
                {
                    string ctl = Path.Combine(work, $"part{p}.ctl");
                    File.WriteAllLines(ctl, Enumerable.Range(0, wavPaths.Count).Where(i => i % processes == p).Select(UtteranceId));
                    var start = new ProcessStartInfo(program)
                    {
                        RedirectStandardOutput = true,
                        RedirectStandardError = true,
                        UseShellExecute = false,
                        WorkingDirectory = work,
                    };
                    foreach (var a in Arguments(languageModel, work, ctl, Path.Combine(work, $"part{p}.hyp"))) start.ArgumentList.Add(a);
                    start.ArgumentList.Add("-logfn");
                    start.ArgumentList.Add(Path.Combine(work, $"part{p}.log"));
                    var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
                    runs.Add((process, process.StandardOutput.ReadToEndAsync(cancellationToken), process.StandardError.ReadToEndAsync(cancellationToken), Path.Combine(work, $"part{p}.log")));
                }

                foreach (var run in runs)
                {
                    run.Process.WaitForExitAsync(cancellationToken).GetAwaiter().GetResult();
                    if (run.Process.ExitCode != 0)
                        throw new InvalidOperationException($"{PocketSphinx.BatchProgram} exited with code {run.Process.ExitCode}; the end of its log ({run.Log}):\n{Tail(run.Log, run.Stderr)}");
                }
            }
            finally
            {
                foreach (var run in runs)
                {
                    if (!run.Process.HasExited) run.Process.Kill();
                    run.Process.Dispose();
                }
            }

            double cpuSeconds = 0;
            for (int p = 0; p < processes; p++) cpuSeconds += DecoderCpuSeconds(Path.Combine(work, $"part{p}.log"));

            var texts = new string[wavPaths.Count];
            for (int p = 0; p < processes; p++)
                foreach (var (id, text) in ReadHypotheses(Path.Combine(work, $"part{p}.hyp")))
                    if (TryParseId(id, out int i) && i < texts.Length) texts[i] = text;
            for (int i = 0; i < texts.Length; i++)
                if (texts[i] is null)
                    throw new InvalidOperationException($"{PocketSphinx.BatchProgram} gave no hypothesis for '{wavPaths[i]}' (utterance {UtteranceId(i)}); its log:\n{Tail(Path.Combine(work, $"part{i % processes}.log"), null)}");

            return new Transcription(texts, audioSeconds, clock.Elapsed.TotalSeconds, cpuSeconds, processes);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>
    /// The pocketsphinx_batch arguments for one process (without <c>-logfn</c>): input as raw 16-bit
    /// PCM from <paramref name="inputFolder"/>, the en-us acoustic model, the given model and
    /// dictionary, and otherwise pocketsphinx's default decoder settings.
    /// </summary>
    public static IReadOnlyList<string> Arguments(LanguageModelFiles languageModel, string inputFolder, string controlFile, string hypothesisFile)
    {
        ArgumentNullException.ThrowIfNull(languageModel);
        return
        [
            "-ctl", controlFile,
            "-cepdir", inputFolder,
            "-cepext", ".raw",
            "-adcin", "yes",
            "-samprate", RecognizerAudio.SampleRate.ToString(CultureInfo.InvariantCulture),
            "-hmm", PocketSphinx.AcousticModel,
            "-lm", languageModel.ArpaPath,
            "-dict", languageModel.DictionaryPath,
            "-hyp", hypothesisFile,
        ];
    }

    /// <summary>
    /// Reads a pocketsphinx hypothesis file: one line per utterance, <c>words (id score)</c>. Words
    /// keep their base form (an alternative pronunciation's "(2)" is dropped) and fillers
    /// (<c>&lt;sil&gt;</c>, <c>[NOISE]</c>) are removed.
    /// </summary>
    internal static IEnumerable<(string Id, string Text)> ReadHypotheses(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            int open = line.LastIndexOf('(');
            int close = line.LastIndexOf(')');
            if (open < 0 || close < open) continue;
            var tail = line[(open + 1)..close].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tail.Length == 0) continue;
            var words = line[..open].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(w => !w.StartsWith('<') && !w.StartsWith('['))
                .Select(w => w.IndexOf('(') is > 0 and var paren ? w[..paren] : w);
            yield return (tail[0], string.Join(' ', words));
        }
    }

    /// <summary>
    /// The decoding CPU seconds a pocketsphinx_batch log reports on its summary line
    /// (<c>TOTAL 335.79 seconds speech, 36.93 seconds CPU, 58.98 seconds wall</c>); 0 when there is none.
    /// </summary>
    internal static double DecoderCpuSeconds(string logPath)
    {
        if (!File.Exists(logPath)) return 0;
        foreach (var line in File.ReadLines(logPath))
        {
            var match = TotalLine().Match(line);
            if (match.Success) return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return 0;
    }

    [GeneratedRegex(@"TOTAL [0-9.]+ seconds speech, ([0-9.]+) seconds CPU")]
    private static partial Regex TotalLine();

    static string UtteranceId(int index) => $"u{index:D6}";

    static bool TryParseId(string id, out int index)
    {
        index = -1;
        return id.Length > 1 && id[0] == 'u' && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>The last lines of a process log (the log file, else its standard error).</summary>
    static string Tail(string log, Task<string>? stderr)
    {
        string text = File.Exists(log) ? File.ReadAllText(log) : "";
        if (text.Length == 0 && stderr is { IsCompletedSuccessfully: true }) text = stderr.Result;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 15)));
    }
}
