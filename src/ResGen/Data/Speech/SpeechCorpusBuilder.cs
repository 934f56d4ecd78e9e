using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ResGen.Audio;
using ResGen.IO;
using ResGen.Text;

namespace ResGen.Data.Speech;

/// <summary>The options of a corpus build (see <c>resgen data speech</c>).</summary>
/// <param name="TrainSpeakers">Speakers whose utterances are trained on.</param>
/// <param name="HeldOutSpeakers">Speakers never heard in training.</param>
/// <param name="PerSpeaker">Utterances per speaker.</param>
/// <param name="HeldOutSentenceShare">Share of the sentence pool never spoken in training.</param>
/// <param name="Seed">Chooses speakers, held-out sentences and which speaker says what.</param>
/// <param name="Threads">Engine processes at once; 0 = one per core.</param>
public sealed record SpeechCorpusOptions(int TrainSpeakers = 60, int HeldOutSpeakers = 12, int PerSpeaker = 60, double HeldOutSentenceShare = 0.1, ulong Seed = 0, int Threads = 0)
{
    /// <summary>Checks every value; a bad one is one sentence (call before any work).</summary>
    public void Validate()
    {
        if (TrainSpeakers < 1) throw new UserErrorException($"a corpus needs at least 1 training speaker, got {TrainSpeakers}.");
        if (HeldOutSpeakers < 0) throw new UserErrorException($"the number of held-out speakers cannot be negative, got {HeldOutSpeakers}.");
        if (TrainSpeakers + HeldOutSpeakers > SpeakerPlan.MaxSpeakers)
            throw new UserErrorException($"a corpus has at most {SpeakerPlan.MaxSpeakers} speakers, got {TrainSpeakers} + {HeldOutSpeakers}.");
        CorpusPlan.ValidatePerSpeaker(PerSpeaker);
        CorpusPlan.ValidateShare(HeldOutSentenceShare);
        if (Threads < 0 || Threads > Environment.ProcessorCount)
            throw new UserErrorException($"threads must lie between 1 and {Environment.ProcessorCount} (the cores of this machine; 0: all), got {Threads}.");
    }
}

/// <summary>What a build did.</summary>
public sealed record SpeechCorpusSummary(SpeechCorpusInfo Info, int Rendered, int Reused, TimeSpan Elapsed);

/// <summary>
/// Builds a speech corpus folder (<see cref="SpeechCorpus"/>): every planned utterance is spoken by its
/// speaker's engine, resampled to 16 kHz, trimmed to 0.1 s of silence at each end, scaled to a peak of
/// 0.9 and written as 16-bit mono WAV through a temporary file (so a killed build leaves no half file).
/// Engines run in parallel; the result does not depend on their order, so a seed gives the same bytes.
/// A second build into the same folder with the same plan keeps every valid WAV and speaks the rest;
/// a folder of another plan is refused. The manifest, vocabulary and metadata are written last,
/// together, so they exist only for a finished corpus.
/// </summary>
public static class SpeechCorpusBuilder
{
    const string PlanFile = "plan.json";
    const string WorkFolder = ".work";
    const int FestivalBatch = 10;

    /// <summary>
    /// Builds into <paramref name="outDir"/>. <paramref name="pool"/> and <paramref name="speakers"/>
    /// default to the installed sentence sources and <see cref="SpeakerPlan"/> for the seed.
    /// </summary>
    public static SpeechCorpusSummary Build(string outDir, SpeechCorpusOptions options, IReadOnlyList<PoolSentence>? pool = null, IReadOnlyList<SpeakerSpec>? speakers = null,
        IProgress<double>? progress = null, TextWriter? log = null, CancellationToken cancel = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        OutputFolder.Prepare(outDir);   // the output first: a device or FIFO given as the folder is refused before anything else
        speakers ??= SpeakerPlan.Create(options.TrainSpeakers, options.HeldOutSpeakers, options.Seed);
        SpeechEngines.CheckInstalled(speakers);
        var phonemizer = Phonemizer.Shared;
        using var exclusive = Lock(outDir);

        pool ??= SentencePool.Load();
        var (trainSentences, heldOutSentences) = CorpusPlan.SplitSentences(pool, options.HeldOutSentenceShare, options.Seed);
        var plan = CorpusPlan.Create(pool, speakers, options.PerSpeaker, options.HeldOutSentenceShare, options.Seed);
        log?.WriteLine($"plan: {speakers.Count} speakers, {plan.Count} utterances from {pool.Count:N0} sentences ({heldOutSentences.Length:N0} held out)");
        CheckPlan(outDir, plan, options);

        var phonemes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var text in plan.Select(u => u.Sentence.Text).Distinct())
            phonemes[text] = string.Join(' ', phonemizer.Phonemize(text));

        // leftovers of a killed build: engine scratch files and temporary WAVs
        string work = Path.Combine(outDir, WorkFolder);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        foreach (var s in speakers) AtomicFile.RemoveStale(Path.Combine(outDir, "wavs", s.Id));

        var samples = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        int done = 0, reused = 0;
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel };
        Parallel.ForEach(plan, parallel, u =>
        {
            if (ValidWav(Path.Combine(outDir, u.WavPath)) is { } n)
            {
                samples[u.Id] = n;
                Interlocked.Increment(ref reused);
                progress?.Report(Interlocked.Increment(ref done));
            }
        });
        if (reused > 0) log?.WriteLine($"resuming: {reused} of {plan.Count} utterances are already spoken");

        // Festival batches first (they take longest), then espeak-ng utterances one by one
        var todo = plan.Where(u => !samples.ContainsKey(u.Id)).ToList();
        var batches = todo.Where(u => u.Speaker.Engine == SpeakerSpec.Festival).GroupBy(u => u.Speaker.Id)
            .SelectMany(g => g.Chunk(FestivalBatch))
            .Concat(todo.Where(u => u.Speaker.Engine != SpeakerSpec.Festival).Select(u => new[] { u }))
            .ToList();
        Parallel.ForEach(batches, parallel, batch =>
        {
            string scratch = Path.Combine(work, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(scratch);
            try
            {
                var speaker = batch[0].Speaker;
                var raw = batch.Select((u, i) => (u.Sentence.Text, Path.Combine(scratch, $"{i}.wav"))).ToList();
                SpeechEngines.Speak(speaker, raw, scratch, cancel);
                for (int i = 0; i < batch.Length; i++)
                {
                    var audio = SpeechEngines.SpeakAudio(raw[i].Item2, $"{speaker.Description} saying '{batch[i].Sentence.Text}'");
                    WavFile.Write(Path.Combine(outDir, batch[i].WavPath), audio);
                    samples[batch[i].Id] = audio.Samples.Length;
                    progress?.Report(Interlocked.Increment(ref done));
                }
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        });
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);

        var utterances = plan.Select(u => new SpeechUtterance
        {
            Id = u.Id,
            Speaker = u.Speaker.Id,
            SpeakerDescription = u.Speaker.Description,
            Split = u.Split,
            Text = u.Sentence.Text,
            Source = u.Sentence.Source,
            Phonemes = phonemes[u.Sentence.Text],
            Wav = u.WavPath,
            Samples = samples[u.Id],
            Seconds = Math.Round((double)samples[u.Id] / WavFile.SpeechRate, 4),
        }).ToList();

        var sentenceCounts = new SortedDictionary<string, int>(StringComparer.Ordinal)
        {
            ["pool"] = pool.Count,
            ["train"] = trainSentences.Length,
            ["held_out"] = heldOutSentences.Length,
        };
        foreach (var g in pool.GroupBy(p => p.Source.Split('/')[0])) sentenceCounts["pool_" + g.Key] = g.Count();
        var splits = new SortedDictionary<string, SplitCounts>(StringComparer.Ordinal);
        foreach (var split in CorpusPlan.Splits)
        {
            var us = utterances.Where(u => u.Split == split).ToList();
            splits[split] = new SplitCounts(us.Select(u => u.Speaker).Distinct().Count(), us.Count, Math.Round(us.Sum(u => (double)u.Samples) / WavFile.SpeechRate, 2));
        }
        var info = new SpeechCorpusInfo
        {
            Format = SpeechCorpus.FormatName,
            Seed = options.Seed,
            SampleRate = WavFile.SpeechRate,
            PerSpeaker = options.PerSpeaker,
            HeldOutSentenceShare = options.HeldOutSentenceShare,
            Manifest = SpeechCorpus.ManifestFile,
            Vocabulary = SpeechCorpus.VocabularyFile,
            Phonemizer = phonemizer.Description,
            Engines = SpeechEngines.Versions(speakers),
            Sentences = sentenceCounts,
            Splits = splits,
            Speakers = speakers,
        };

        var manifest = new StringBuilder();
        foreach (var u in utterances) manifest.Append(JsonSerializer.Serialize(u, SpeechCorpus.Json)).Append('\n');
        var vocabulary = PhonemeVocabulary.Default;
        AtomicFile.WriteGroup(
        [
            (Path.Combine(outDir, SpeechCorpus.VocabularyFile), s => s.Write(Encoding.UTF8.GetBytes(vocabulary.ToJson()))),
            (Path.Combine(outDir, SpeechCorpus.ManifestFile), s => s.Write(Encoding.UTF8.GetBytes(manifest.ToString()))),
            (Path.Combine(outDir, SpeechCorpus.InfoFile), s => s.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(info, Indented) + "\n"))),
        ]);
        return new SpeechCorpusSummary(info, plan.Count - reused, reused, clock.Elapsed);
    }

    /// <summary>The samples of a readable 16 kHz WAV file at <paramref name="path"/>, or null.</summary>
    static int? ValidWav(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var audio = WavFile.Read(path);
            return audio.SampleRate == WavFile.SpeechRate ? audio.Samples.Length : null;
        }
        catch (UserErrorException)
        {
            return null;
        }
    }

    /// <summary>Records the plan's fingerprint on a first build; refuses a folder that holds another plan's files.</summary>
    static void CheckPlan(string outDir, IReadOnlyList<PlannedUtterance> plan, SpeechCorpusOptions options)
    {
        var text = new StringBuilder();
        foreach (var u in plan) text.Append(u.Id).Append('\t').Append(u.Speaker.Description).Append('\t').Append(u.Sentence.Text).Append('\n');
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        string path = Path.Combine(outDir, PlanFile);
        if (File.Exists(path))
        {
            string? old = null;
            try { old = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("plan_sha256").GetString(); }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
            if (old != hash)
                throw new UserErrorException($"'{outDir}' holds a speech corpus of other options (seed, speakers, utterances per speaker, held-out share or sentence sources); use a new folder or the same options to resume.");
            return;
        }
        if (Directory.Exists(Path.Combine(outDir, "wavs")) || File.Exists(Path.Combine(outDir, SpeechCorpus.ManifestFile)))
            throw new UserErrorException($"'{outDir}' already holds files that no corpus plan describes; use a new folder.");
        AtomicFile.WriteText(path, JsonSerializer.Serialize(new
        {
            plan_sha256 = hash,
            seed = options.Seed,
            train_speakers = plan.Select(u => u.Speaker).Where(s => !s.HeldOut).Distinct().Count(),
            held_out_speakers = plan.Select(u => u.Speaker).Where(s => s.HeldOut).Distinct().Count(),
            per_speaker = options.PerSpeaker,
            held_out_sentence_share = options.HeldOutSentenceShare,
        }, Indented) + "\n");
    }

    /// <summary>Holds an exclusive lock on the folder's lock file for the build, so two builds never write into one folder.</summary>
    static FileStream Lock(string outDir)
    {
        try
        {
            return new FileStream(Path.Combine(outDir, ".build.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e)
        {
            throw new UserErrorException($"another build is writing into '{outDir}'; wait for it or use another folder.", e);
        }
    }

    static readonly JsonSerializerOptions Indented = new(SpeechCorpus.Json) { WriteIndented = true };
}
