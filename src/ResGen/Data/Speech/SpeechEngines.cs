using System.Globalization;
using System.Text;
using ResGen.Audio;

namespace ResGen.Data.Speech;

/// <summary>
/// Speaks text with the speakers' engines: espeak-ng (one process per utterance; 22,050 Hz) and
/// Festival (one process for a batch of a speaker's utterances; kal and ked at 16 kHz, slt at 32 kHz),
/// then sox for a Festival speaker's pitch shift. The results are the engines' own WAV files, read by
/// <see cref="SpeakAudio"/> into 16 kHz audio.
/// </summary>
public static class SpeechEngines
{
    /// <summary>The Debian package of each Festival voice.</summary>
    public static readonly IReadOnlyDictionary<string, string> FestivalVoicePackages = new Dictionary<string, string>
    {
        ["kal_diphone"] = "festvox-kallpc16k",
        ["ked_diphone"] = "festvox-kdlpc16k",
        ["cmu_us_slt_arctic_hts"] = "festvox-us-slt-hts",
    };

    /// <summary>Where Festival's voices are installed (one folder per language, then per voice).</summary>
    public const string FestivalVoiceFolder = "/usr/share/festival/voices";

    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Checks that the programs and voices <paramref name="speakers"/> need are installed; what is missing
    /// is one sentence naming the Debian packages.
    /// </summary>
    public static void CheckInstalled(IEnumerable<SpeakerSpec> speakers, string? searchPath = null, string festivalVoiceFolder = FestivalVoiceFolder)
    {
        var list = speakers.ToList();
        if (list.Any(s => s.Engine == SpeakerSpec.Espeak) && ExternalTool.Find("espeak-ng", searchPath) is null)
            throw new UserErrorException("espeak-ng is not installed; install the Debian package espeak-ng (sudo apt-get install espeak-ng).");
        var festival = list.Where(s => s.Engine == SpeakerSpec.Festival).ToList();
        if (festival.Count == 0) return;
        var voices = festival.Select(s => s.Voice).Distinct().Order(StringComparer.Ordinal).ToList();
        var missing = voices.Where(v => !Directory.Exists(festivalVoiceFolder) || !Directory.EnumerateDirectories(festivalVoiceFolder).Any(d => Directory.Exists(Path.Combine(d, v)))).ToList();
        string Packages(IEnumerable<string> vs) => string.Join(' ', vs.Select(v => FestivalVoicePackages.GetValueOrDefault(v, v)));
        if (ExternalTool.Find("festival", searchPath) is null)
            throw new UserErrorException($"festival is not installed; install the Debian packages festival {Packages(voices)} (sudo apt-get install festival {Packages(voices)}).");
        if (missing.Count > 0)
            throw new UserErrorException($"Festival voice{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} {(missing.Count > 1 ? "are" : "is")} not installed; install the Debian package{(missing.Count > 1 ? "s" : "")} {Packages(missing)} (sudo apt-get install {Packages(missing)}).");
        if (festival.Any(s => s.PitchShiftCents is not (null or 0)) && ExternalTool.Find("sox", searchPath) is null)
            throw new UserErrorException("sox is not installed (Festival speakers' pitch shifts need it); install the Debian package sox (sudo apt-get install sox).");
    }

    /// <summary>The versions of the engines <paramref name="speakers"/> use, e.g. espeak-ng → 1.51 (recorded with a corpus).</summary>
    public static SortedDictionary<string, string> Versions(IEnumerable<SpeakerSpec> speakers)
    {
        var engines = speakers.Select(s => s.Engine).ToHashSet();
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (engines.Contains(SpeakerSpec.Espeak))
            versions[SpeakerSpec.Espeak] = VersionOf(ExternalTool.Run("espeak-ng", ["--version"], null, Timeout));
        if (engines.Contains(SpeakerSpec.Festival))
        {
            versions[SpeakerSpec.Festival] = VersionOf(ExternalTool.Run("festival", ["--version"], null, Timeout));
            versions["sox"] = VersionOf(ExternalTool.Run("sox", ["--version"], null, Timeout));
        }
        return versions;
    }

    /// <summary>The first version number in a program's --version text (1.51 of "eSpeak NG text-to-speech: 1.51  Data at: ..."), or its first line.</summary>
    static string VersionOf(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, @"\d+(?:\.\d+)+");
        return m.Success ? m.Value : text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
    }

    /// <summary>
    /// Has <paramref name="speaker"/> say each text, into a WAV file of the engine's rate at the paired
    /// path (pitch shift applied); <paramref name="scratch"/> is an empty folder for the engines' files.
    /// </summary>
    public static void Speak(SpeakerSpec speaker, IReadOnlyList<(string Text, string Wav)> items, string scratch, CancellationToken cancel = default)
    {
        if (speaker.Engine == SpeakerSpec.Espeak)
        {
            foreach (var (text, wav) in items)
            {
                ExternalTool.Run("espeak-ng",
                    ["-v", $"{speaker.Voice}+{speaker.Variant}", "-p", Invariant(speaker.Pitch ?? 50), "-s", Invariant(speaker.Rate ?? 175), "-w", wav, "--stdin"],
                    text, Timeout, cancel);
            }
            return;
        }
        if (speaker.Engine != SpeakerSpec.Festival) throw new ArgumentException($"unknown speech engine '{speaker.Engine}'.", nameof(speaker));

        int cents = speaker.PitchShiftCents ?? 0;
        var raw = items.Select((item, i) => cents == 0 ? item.Wav : Path.Combine(scratch, $"festival-{i}.wav")).ToList();
        var script = new StringBuilder();
        script.AppendLine($"(voice_{speaker.Voice})");
        double stretch = speaker.Stretch ?? 1.0;
        // HTS voices ignore Duration_Stretch; their engine takes a speed factor instead
        if (speaker.Voice.EndsWith("_hts", StringComparison.Ordinal))
            script.AppendLine(Invariant($"(set! hts_engine_params (append hts_engine_params (list (list \"-r\" {1 / stretch:0.######}))))"));
        else
            script.AppendLine(Invariant($"(Parameter.set 'Duration_Stretch {stretch:0.######})"));
        for (int i = 0; i < items.Count; i++)
            script.AppendLine($"(utt.save.wave (utt.synth (Utterance Text \"{Scheme(items[i].Text)}\")) \"{Scheme(Path.GetFullPath(raw[i]))}\" 'riff)");
        string scriptPath = Path.Combine(scratch, "speak.scm");
        File.WriteAllText(scriptPath, script.ToString());
        ExternalTool.Run("festival", ["--batch", scriptPath], null, Timeout, cancel);
        foreach (var path in raw)
            if (!File.Exists(path)) throw new InvalidOperationException($"festival wrote no '{path}' for speaker {speaker.Id} ({speaker.Description}).");
        if (cents == 0) return;
        for (int i = 0; i < items.Count; i++)
            ExternalTool.Run("sox", ["-R", "-q", raw[i], "-e", "floating-point", "-b", "32", items[i].Wav, "pitch", Invariant(cents)], null, Timeout, cancel);
    }

    /// <summary>Reads an engine's WAV as <see cref="WavFile.SpeechRate"/> audio, trimmed to 0.1 s of silence at each end and scaled to a peak of 0.9.</summary>
    public static MonoAudio SpeakAudio(string engineWav, string description)
    {
        var audio = WavFile.Read(engineWav, WavFile.SpeechRate);
        var trimmed = SilenceTrim.Trim(audio) ?? throw new InvalidOperationException($"{description} produced only silence ({engineWav}).");
        return SilenceTrim.Normalize(trimmed);
    }

    static string Scheme(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);
}
