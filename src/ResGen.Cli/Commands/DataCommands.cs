using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using ResGen.Data;
using ResGen.Data.Speech;

namespace ResGen.Cli.Commands;

/// <summary>`resgen data`: looking at an image folder before training on it; building a speech corpus.</summary>
public static class DataCommands
{
    public static Command Create()
    {
        var cmd = new Command("data", "Data sets: inspect an image folder (one subfolder of PNG, JPEG or WebP images per class, the ImageNet layout); build a synthetic speech corpus for text-to-speech.");
        cmd.Subcommands.Add(Inspect());
        cmd.Subcommands.Add(Speech());
        return cmd;
    }

    static Command Inspect()
    {
        var dir = new Argument<string>("DIR") { Description = "The data folder: DIR/<class>/*.png|jpg|jpeg|webp." };
        var list = new Option<int>("--list") { Description = "Unreadable and non-image files listed by name (the rest are counted).", DefaultValueFactory = _ => 10, HelpName = "N" };
        var decode = new Option<int?>("--decode") { Description = "Also decode every image at this size (square, RGB) as training would: finds truncated files and measures images per second.", HelpName = "SIZE" };
        var threads = new Option<int?>("--threads") { Description = "Decoding threads for --decode (default: all cores).", HelpName = "N" };
        var cmd = new Command("inspect", "Classes, images per class, picture sizes, and the files that cannot be read (every header is read; with --decode every picture).") { dir, list, decode, threads };
        cmd.SetAction(pr =>
        {
            int show = pr.GetValue(list);
            if (show < 0) throw new UserErrorException($"--list takes a count of at least 0, got {show}.");
            if (pr.GetValue(decode) is < 1 and var bad1) throw new UserErrorException($"--decode takes a size of at least 1 pixel, got {bad1}.");
            if (pr.GetValue(threads) is { } t && (t < 1 || t > Environment.ProcessorCount))
                throw new UserErrorException($"--threads takes 1 to {Environment.ProcessorCount} (the cores of this machine), got {t}.");
            var folder = ImageFolder.Scan(pr.GetValue(dir)!, allowEmptyClasses: true);
            var sizes = new ConcurrentBag<(int W, int H)>();
            var bad = new ConcurrentBag<string>();
            int done = 0;
            ConsoleProgress.Run("reading headers", folder.Files.Count, (p, _) =>
            {
                Parallel.ForEach(folder.Files, f =>
                {
                    if (new FileInfo(f.Path).Length == 0) bad.Add(f.Path + " (0 bytes)");
                    else if (ImageDecoder.ReadSize(f.Path) is { } s)
                    {
                        if ((long)s.Width * s.Height > ImageDecoder.MaxPixels) bad.Add($"{f.Path} ({s.Width}×{s.Height}: too large to decode)");
                        else sizes.Add(s);
                    }
                    else bad.Add(f.Path);
                    p.Report(Interlocked.Increment(ref done));
                });
                return 0;
            });

            var counts = folder.CountsPerClass();
            int width = Math.Max(5, folder.ClassNames.Max(n => n.Length));
            Console.WriteLine($"{folder.Root}: {folder.ClassNames.Length} classes, {folder.Files.Count:N0} images");
            Console.WriteLine($"  {"class".PadRight(width)}  images");
            for (int c = 0; c < counts.Length; c++) Console.WriteLine($"  {folder.ClassNames[c].PadRight(width)}  {counts[c],6:N0}");
            foreach (var e in folder.EmptyClasses) Console.WriteLine($"  {e.PadRight(width)}       0  (no image: left out)");
            if (!sizes.IsEmpty)
            {
                var w = sizes.Select(s => s.W).Order().ToArray();
                var h = sizes.Select(s => s.H).Order().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sizes: width {w[0]}–{w[^1]} (median {w[w.Length / 2]}), height {h[0]}–{h[^1]} (median {h[h.Length / 2]}); {sizes.Count(s => s.W != s.H) * 100.0 / sizes.Count:0.#}% not square (centre-cropped when read)"));
            }
            if (pr.GetValue(decode) is { } size)
            {
                var data = new ImageFolderDataset(folder, size, 3, skipBad: true, cacheBytes: 0, threads: pr.GetValue(threads));
                var sw = System.Diagnostics.Stopwatch.StartNew();
                long[] all = [.. Enumerable.Range(0, folder.Files.Count).Select(i => (long)i)];
                ConsoleProgress.Run($"decoding at {size} px", all.Length, (p, _) =>
                {
                    for (int s = 0; s < all.Length; s += 256)
                    {
                        data.DecodeBatch(all[s..Math.Min(all.Length, s + 256)]);
                        p.Report(Math.Min(all.Length, s + 256));
                    }
                    return 0;
                });
                double seconds = sw.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"decoded {all.Length:N0} images at {size}×{size} in {seconds:0.0} s on {data.Threads} threads: {all.Length / seconds:0} images/s"));
                foreach (var (i, why) in data.BadFiles) if (!bad.Any(b => b.StartsWith(folder.Files[i].Path, StringComparison.Ordinal))) bad.Add(why);
            }
            Report("unreadable files", bad.Order(StringComparer.Ordinal).ToList(), show);
            Report("non-image files (left out)", folder.NonImages, show);
            return 0;
        });
        return cmd;
    }

    static Command Speech()
    {
        var defaults = new SpeechCorpusOptions();
        var output = new Option<string>("--out") { Description = "The corpus folder: corpus.json, manifest.jsonl, phonemes.json and wavs/SPEAKER/ID.wav (16 kHz mono 16-bit). Running again into it resumes.", Required = true, HelpName = "DIR" };
        var train = new Option<int>("--speakers-train") { Description = "Training speakers (a quarter Festival voices, the rest espeak-ng voices).", DefaultValueFactory = _ => defaults.TrainSpeakers, HelpName = "N" };
        var heldOut = new Option<int>("--speakers-held-out") { Description = "Held-out speakers, never heard in training (espeak-ng variants no training speaker uses, unused Festival settings).", DefaultValueFactory = _ => defaults.HeldOutSpeakers, HelpName = "N" };
        var perSpeaker = new Option<int>("--per-speaker") { Description = "Utterances per speaker.", DefaultValueFactory = _ => defaults.PerSpeaker, HelpName = "N" };
        var share = new Option<double>("--sentences-held-out") { Description = "Share of the sentence pool never spoken in training (read by held-out speakers, and by training speakers in the held-out-sentence split).", DefaultValueFactory = _ => defaults.HeldOutSentenceShare, HelpName = "FRACTION" };
        var seed = new Option<ulong>("--seed") { Description = "Chooses the speakers, the held-out sentences and who says what; the same seed gives the same files.", DefaultValueFactory = _ => 0, HelpName = "S" };
        var threads = new Option<int?>("--threads") { Description = "Speech engine processes at once (default: all cores).", HelpName = "N" };
        var cmd = new Command("speech", "Builds a synthetic multi-speaker English speech corpus for text-to-speech: sentences from the fortunes and WordNet packages, spoken by espeak-ng and Festival voices, with transcripts, phonemes (espeak-ng, en-us) and train / held-out-sentence / held-out-speaker splits.")
        {
            output, train, heldOut, perSpeaker, share, seed, threads,
        };
        cmd.SetAction(pr =>
        {
            int nTrain = pr.GetValue(train), nHeld = pr.GetValue(heldOut), n = pr.GetValue(perSpeaker);
            double f = pr.GetValue(share);
            if (nTrain < 1) throw new UserErrorException($"--speakers-train takes at least 1 speaker, got {nTrain}.");
            if (nHeld < 0) throw new UserErrorException($"--speakers-held-out takes 0 or more speakers, got {nHeld}.");
            if (nTrain + nHeld > SpeakerPlan.MaxSpeakers)
                throw new UserErrorException($"--speakers-train plus --speakers-held-out may be at most {SpeakerPlan.MaxSpeakers}, got {nTrain} + {nHeld}.");
            if (n is < 1 or > CorpusPlan.MaxPerSpeaker) throw new UserErrorException($"--per-speaker takes 1 to {CorpusPlan.MaxPerSpeaker} utterances, got {n}.");
            if (!(f is > 0 and < 1)) throw new UserErrorException($"--sentences-held-out takes a share strictly between 0 and 1, got {f}.");
            if (pr.GetValue(threads) is { } t && (t < 1 || t > Environment.ProcessorCount))
                throw new UserErrorException($"--threads takes 1 to {Environment.ProcessorCount} (the cores of this machine), got {t}.");
            var options = new SpeechCorpusOptions(nTrain, nHeld, n, f, pr.GetValue(seed), pr.GetValue(threads) ?? 0);
            string dir = pr.GetValue(output)!;
            var summary = ConsoleProgress.Run("speaking", (nTrain + nHeld) * (double)n,
                (p, log) => SpeechCorpusBuilder.Build(dir, options, progress: p, log: log, cancel: GracefulStop.Token));

            var info = summary.Info;
            Console.WriteLine($"{dir}: {info.Speakers.Count} speakers, {info.Splits.Values.Sum(s => s.Utterances):N0} utterances ({summary.Rendered:N0} spoken now, {summary.Reused:N0} kept), {info.Sentences["pool"]:N0} sentences in the pool ({info.Sentences["held_out"]:N0} held out)");
            Console.WriteLine($"  {"split",-18} {"speakers",8} {"utterances",10} {"hours",7}");
            foreach (var split in CorpusPlan.Splits)
            {
                var c = info.Splits[split];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {split,-18} {c.Speakers,8} {c.Utterances,10:N0} {c.Seconds / 3600,7:0.00}"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"time: {summary.Elapsed.TotalMinutes:0.0} min on {(options.Threads == 0 ? Environment.ProcessorCount : options.Threads)} threads; phonemes: {info.Phonemizer}; vocabulary: {SpeechCorpus.VocabularyFile} ({ResGen.Text.PhonemeVocabulary.Default.Count} symbols)"));
            return 0;
        });
        return cmd;
    }

    static void Report(string what, IReadOnlyList<string> files, int show)
    {
        Console.WriteLine($"{what}: {files.Count}");
        foreach (var f in files.Take(show)) Console.WriteLine("  " + f);
        if (files.Count > show) Console.WriteLine($"  ... and {files.Count - show} more");
    }
}
