using System.CommandLine;
using System.Globalization;
using ResGen.Audio;
using ResGen.Data.Speech;
using ResGen.Evaluation.Speech;
using ResGen.IO;
using ResGen.Tokens.Speech;
using TorchSharp;

namespace ResGen.Cli.Commands;

/// <summary>`resgen speaker train|eval`: the speaker encoder that scores voice similarity in `resgen eval tts`.</summary>
public static class SpeakerCommands
{
    public const string DefaultCheckpoint = "models/tts/speaker-encoder";

    public static Command Create()
    {
        var cmd = new Command("speaker", "Train and evaluate the speaker encoder used for the speaker-similarity score of `resgen eval tts`.");
        cmd.Subcommands.Add(Train());
        cmd.Subcommands.Add(Eval());
        return cmd;
    }

    static Option<string> DataOption() => new("--data") { Description = "The speech corpus (from `resgen data speech`).", DefaultValueFactory = _ => "runs/speech/corpus", HelpName = "DIR" };

    /// <summary>Utterances of <paramref name="split"/> (at most <paramref name="limit"/>, spread over it) and their speakers as 0-based ids in sorted order.</summary>
    static (WavMelSource Mels, int[] SpeakerOf, int Speakers) Split(SpeechCorpus corpus, string split, MelConfig mel, int? limit)
    {
        var utterances = WavMelSource.Spread(corpus.Split(split).ToList(), limit);
        var names = utterances.Select(u => u.Speaker).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
        var index = names.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);
        return (WavMelSource.FromUtterances(corpus, utterances, split, mel), [.. utterances.Select(u => index[u.Speaker])], names.Count);
    }

    static Command Train()
    {
        var config = CommonOptions.Config("speaker encoder");
        var set = CommonOptions.Set();
        var data = DataOption();
        var output = new Option<string>("--out") { Description = "Run folder: checkpoints (last.*, model.*), metrics.jsonl, loss plot.", DefaultValueFactory = _ => "runs/speaker-encoder", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("train", "Train the speaker encoder on the training speakers of a speech corpus (additive-margin softmax on 2 s crops); the equal error rate on held-out speakers is logged.")
            { config, set, data, output, resume, device, threads };
        cmd.SetAction(pr =>
        {
            string outDir = OutputFolder.Prepare(pr.GetValue(output)!);
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            bool isResume = pr.GetValue(resume);
            var cfg = CommonOptions.LoadRunConfig<SpeakerEncoderConfig>(pr.GetValue(config), pr.GetValue(set) ?? [], isResume ? Path.Combine(outDir, "last") : null, SpeakerEncoderTraining.Kind);
            var corpus = SpeechCorpus.Load(pr.GetValue(data)!);
            var (train, speakerOf, speakers) = Split(corpus, CorpusPlan.Train, cfg.Mel, null);
            var (test, testSpeakerOf, testSpeakers) = Split(corpus, CorpusPlan.HeldOutSpeaker, cfg.Mel, 240);
            if (speakers < 2) throw new UserErrorException($"the corpus has {speakers} training speaker; a speaker encoder needs at least 2.");
            cfg = cfg with { Speakers = speakers };
            cfg.Validate();
            torch.manual_seed(cfg.Train.Seed);
            var encoder = new SpeakerEncoder(cfg);
            encoder.to(dev);
            Console.WriteLine($"speaker encoder: {Nn.ModuleSize.Parameters(encoder):N0} parameters; {train.Count} utterances of {speakers} training speakers; EER on {test.Count} utterances of {testSpeakers} held-out speakers; device {dev}");
            var eval = ConsoleProgress.RunTraining("speaker encoder", cfg.Train.Steps, (progress, log) =>
                SpeakerEncoderTraining.Run(cfg, encoder, train, speakerOf, testSpeakers >= 2 ? test : null, testSpeakerOf, outDir, isResume, dev, log, progress, GracefulStop.Token));
            Reports.FinishTraining(outDir, eval, "speaker encoder training", ["loss"], "loss");
            return 0;
        });
        return cmd;
    }

    static Command Eval()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = $"Speaker encoder checkpoint (default: {DefaultCheckpoint}).", DefaultValueFactory = _ => InstallPaths.Shipped(DefaultCheckpoint), HelpName = "PATH" };
        var data = DataOption();
        var split = new Option<string>("--split") { Description = "Which speakers: held-out-speaker (unseen) or train.", DefaultValueFactory = _ => CorpusPlan.HeldOutSpeaker };
        split.AcceptOnlyFromAmong(CorpusPlan.HeldOutSpeaker, CorpusPlan.Train);
        var limit = new Option<int?>("--limit") { Description = "Use at most N utterances, spread over the split.", HelpName = "N" };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var cmd = new Command("eval", "Equal error rate of speaker verification over all pairs of a split's utterances.") { checkpoint, data, split, limit, device, threads };
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(limit) is < 2) throw new UserErrorException($"--limit must be at least 2, got {pr.GetValue(limit)}.");
            var dev = CommonOptions.Setup(pr.GetValue(device)!, pr.GetValue(threads));
            var (encoder, cfg) = SpeakerEncoderTraining.Load(pr.GetValue(checkpoint)!, dev);
            var corpus = SpeechCorpus.Load(pr.GetValue(data)!);
            var (mels, speakerOf, speakers) = Split(corpus, pr.GetValue(split)!, cfg.Mel, pr.GetValue(limit) ?? 240);
            if (speakers < 2) throw new UserErrorException($"split {pr.GetValue(split)} has {speakers} speaker; verification needs at least 2.");
            double eer = SpeakerVerification.EqualErrorRate(encoder, mels, speakerOf, dev);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"equal error rate {eer * 100:0.00}% over all pairs of {mels.Count} utterances of {speakers} {pr.GetValue(split)} speakers"));
            return 0;
        });
        return cmd;
    }
}
