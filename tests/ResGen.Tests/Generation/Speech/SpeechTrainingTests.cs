using ResGen.Data.Speech;
using ResGen.Generation;
using ResGen.Tokens;
using TorchSharp;

namespace ResGen.Tests.Generation.Speech;

/// <summary>Text-to-speech training over speech tokens: prompted batches from a per-step seed, so a stopped and resumed run ends where an uninterrupted one does.</summary>
[Collection(TorchCollection.Name)]
public sealed class SpeechTrainingTests
{
    const int D = 3, K = 16, Vocab = 12;

    static SpeechTokens Set()
    {
        var rng = new Random(5);
        var items = Enumerable.Range(0, 24).Select(i =>
        {
            int frames = 5 + rng.Next(8);
            return new SpeechTokenItem($"u{i}", $"s{i % 4}", [.. Enumerable.Range(0, frames * D).Select(_ => (short)rng.Next(K))],
                [.. Enumerable.Range(0, 3 + rng.Next(6)).Select(_ => 1 + rng.Next(Vocab - 1))]);
        }).ToList();
        return new SpeechTokens(items, D, K, Vocab, 10, "");
    }

    sealed class StopAt(long step, CancellationTokenSource cts) : IProgress<ResGen.Training.TrainProgress>
    {
        public void Report(ResGen.Training.TrainProgress value) { if (value.Step == step) cts.Cancel(); }
    }

    [Theory]
    [InlineData("resgen")]
    [InlineData("rq-transformer")]
    public void AStoppedAndResumedRunEndsWhereAnUninterruptedOneDoes(string kindName)
    {
        var kind = GeneratorKinds.Find(kindName);
        var set = Set();
        var data = new SpeechTokenData(set, SpeechTokenData.PositionsFor(set), new PromptSettings());
        var quantizer = new ResidualVectorQuantizer(new RvqConfig { Depth = D, CodebookSize = K, CodeDim = 4 });
        var cfg = kind.LoadConfig(null, ["model.width=16", "model.layers=1", "model.heads=2", "model.condition=text", "model.text.layers=1", "model.text.max_length=64",
                "train.steps=8", "train.batch_size=4", "train.warmup_steps=2", "train.checkpoint_every=2", "train.log_every=1", "train.eval_every=0"])
            .WithTokens(data.LayoutFor(4), "").WithText(Vocab, null);
        IGenerator Fresh()
        {
            torch.manual_seed(9);
            return kind.Build(cfg, quantizer);
        }
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var straight = Fresh();
        kind.Train(cfg, straight, data, data, a.Path, resume: false, torch.CPU);

        using var cts = new CancellationTokenSource();
        var stopped = Fresh();
        Assert.ThrowsAny<Exception>(() => kind.Train(cfg, stopped, data, null, b.Path, resume: false, torch.CPU, progress: new StopAt(5, cts), stop: cts.Token));
        long savedAt = ResGen.Training.Checkpoint.ReadInfo(Path.Combine(b.Path, "last")).Step;
        Assert.InRange(savedAt, 4, 7);                      // it stopped midway, from a checkpoint
        var resumed = Fresh();
        kind.Train(cfg, resumed, data, data, b.Path, resume: true, torch.CPU);

        var expected = straight.Module.state_dict();
        foreach (var (k, v) in resumed.Module.state_dict())
            Assert.True(TensorAssert.MaxDiff(expected[k], v) < 1e-6, $"{k} differs after resuming by {TensorAssert.MaxDiff(expected[k], v)}");
    }

    [Fact]
    public void ValidationScoresTheOtherTextUnderTheSameMasks()
    {
        // every utterance says the same phonemes: another's text is its own, so under the same masks the NLL must match exactly
        var rng = new Random(2);
        var same = new SpeechTokens([.. Enumerable.Range(0, 8).Select(i => new SpeechTokenItem($"u{i}", $"s{i % 2}",
            [.. Enumerable.Range(0, (4 + i) * D).Select(_ => (short)rng.Next(K))], [3, 4, 5, 6]))], D, K, Vocab, 10, "");
        var data = new SpeechTokenData(same, SpeechTokenData.PositionsFor(same), PromptSettings.None);
        var quantizer = new ResidualVectorQuantizer(new RvqConfig { Depth = D, CodebookSize = K, CodeDim = 4 });
        foreach (var kind in new[] { GeneratorKinds.ResGen, GeneratorKinds.RqTransformer })
        {
            var cfg = kind.LoadConfig(null, ["model.width=16", "model.layers=1", "model.heads=2", "model.condition=text", "model.text.layers=1", "model.text.max_length=64"])
                .WithTokens(data.LayoutFor(4), "").WithText(Vocab, null);
            torch.manual_seed(4);
            var model = kind.Build(cfg, quantizer);
            model.Module.eval();
            var m = GeneratorTraining.Validate(model, data, [.. Enumerable.Range(0, 8).Select(i => (long)i)], torch.CPU, 4).ToDictionary(x => x.Name, x => x.Value);
            Assert.Equal(m["val_nll"], m["val_nll_other_text"], 6);
        }
    }
}
