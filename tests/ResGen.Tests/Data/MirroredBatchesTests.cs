using ResGen.Cli.Commands;
using ResGen.Config;
using ResGen.Data;
using ResGen.Generation;
using ResGen.Tests.Training;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Data;

/// <summary>Random horizontal flips: <c>train.flip</c> for the tokenizer and classifier, <c>--flip</c> for encoding.</summary>
[Collection(TorchCollection.Name)]
public sealed class MirroredBatchesTests
{
    static readonly string[] Classes = ["a", "b", "c"];

    /// <summary><paramref name="count"/> random 28 px grey pictures (no picture is its own mirror image).</summary>
    static ImageDataset Pictures(int count, int seed = 0)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 28 * 28];
        random.NextBytes(pixels);
        var labels = new byte[count];
        for (int i = 0; i < count; i++) labels[i] = (byte)(i % Classes.Length);
        return new ImageDataset(pixels, labels, count, 28, 28, 1, Classes);
    }

    [Fact]
    public void ChoicesArePureFunctionsOfSeedAndStepAndMirrorAboutHalf()
    {
        Assert.Equal(MirroredBatches.Choices(3, 17, 64), MirroredBatches.Choices(3, 17, 64));
        Assert.NotEqual(MirroredBatches.Choices(3, 17, 64), MirroredBatches.Choices(3, 18, 64));
        Assert.NotEqual(MirroredBatches.Choices(3, 17, 64), MirroredBatches.Choices(4, 17, 64));
        int mirrored = Enumerable.Range(1, 100).Sum(s => MirroredBatches.Choices(0, s, 100).Count(c => c));
        Assert.InRange(mirrored, 4700, 5300);   // 10,000 fair coins: ± 6 standard deviations
    }

    [Fact]
    public void ExactlyTheChosenPicturesAreMirrored()
    {
        var data = Pictures(6);
        using var x = data.ToTensor(0, 6);
        bool[] choice = [true, false, false, true, true, false];
        using var y = MirroredBatches.Apply(x, choice);
        for (int i = 0; i < 6; i++)
        {
            var expected = choice[i] ? x[i].flip(2) : x[i];
            TensorAssert.BitEqual(expected, y[i], $"picture {i}");
            Assert.False(Same(x[i], x[i].flip(2)));
        }
        Assert.Throws<ArgumentException>(() => MirroredBatches.Apply(x, [true]));
    }

    [Fact]
    public void MirroredBatchesAreTheDataSetsBatchesWithTheStepsChoices()
    {
        var data = Pictures(40);
        var sampler = new BatchSampler(data.Count, 16, 5);
        using var plain = data.Batches(sampler.Batch);
        using var mirrored = data.Batches(sampler.Batch).Mirrored(5);
        foreach (long step in new long[] { 1, 2, 7, 3 })
        {
            var (x, labels) = plain.Get(step);
            var (m, mirroredLabels) = mirrored.Get(step);
            TensorAssert.BitEqual(MirroredBatches.Apply(x, MirroredBatches.Choices(5, step, 16)), m, $"step {step}");
            TensorAssert.BitEqual(labels, mirroredLabels, $"labels of step {step}");
        }
    }

    [Fact]
    public void FlipOffLeavesSavedConfigsAndHashesAsTheyWereAndOnIsSavedAndRead()
    {
        var off = ConfigLoader.Load<TokenizerConfig>(null, []);
        Assert.DoesNotContain("flip", ConfigLoader.ToJson(off));
        var on = ConfigLoader.Load<TokenizerConfig>(null, ["train.flip=true"]);
        Assert.True(on.Train.Flip);
        Assert.Contains("\"flip\": true", ConfigLoader.ToJson(on));
        Assert.NotEqual(ConfigLoader.Hash(off), ConfigLoader.Hash(on));
        var read = ConfigLoader.Parse<TokenizerConfig>(ConfigLoader.ToJson(on), "saved config");
        Assert.True(read.Train.Flip);
        Assert.Equal(ConfigLoader.Hash(on), ConfigLoader.Hash(read));
        // the shipped tokenizer was saved before the setting existed: read today, its hash is the one saved with it
        var model = Path.Combine(Repo.Root(), "models", "tokenizer");
        var (_, shipped, hash) = TokenizerCheckpoint.Load(model);
        Assert.False(shipped.Train.Flip);
        Assert.Equal(CheckpointInfo.Parse(File.ReadAllText(model + ".json"), model + ".json").ConfigHash, hash);
    }

    [Fact]
    public void GeneratorsRefuseFlipAndSayHowToMirrorTheirData()
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<ResGenRunConfig>(null, ["train.flip=true"]));
        Assert.Contains("tokenizer encode --flip", e.Message);
    }

    [Fact]
    public void AResumedRunWithFlipsEndsWhereAnUninterruptedOneDoes()
    {
        var train = Pictures(64, seed: 1);
        var test = Pictures(8, seed: 2);
        var tiny = TokenizerTrainingTests.TinyConfig(8);
        var cfg = tiny with { Train = tiny.Train with { Flip = true, CheckpointEvery = 4 } };
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        using var c = new TempDirectory();
        torch.manual_seed(4);
        var tokA = cfg.Build();
        var init = tokA.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        TokenizerTraining.Run(cfg, tokA, train, test, a.Path, false, torch.CPU, evalImages: 8);

        var tokB = cfg.Build();
        using (torch.no_grad()) foreach (var (k, v) in tokB.state_dict()) v.copy_(init[k]);
        using var stop = new CancellationTokenSource();
        var progress = new Inline(p => { if (p.Step == 5) stop.Cancel(); });
        Assert.Throws<TrainingStoppedException>(() => TokenizerTraining.Run(cfg, tokB, train, test, b.Path, false, torch.CPU, progress: progress, evalImages: 8, stop: stop.Token));
        var tokC = cfg.Build();
        TokenizerTraining.Run(cfg, tokC, train, test, b.Path, true, torch.CPU, evalImages: 8);
        var sa = tokA.state_dict();
        foreach (var (k, v) in tokC.state_dict()) TensorAssert.BitEqual(sa[k], v, k);

        // and the flips are drawn: the same run without them ends elsewhere
        var plain = tiny with { Train = tiny.Train with { CheckpointEvery = 4 } };
        var tokD = plain.Build();
        using (torch.no_grad()) foreach (var (k, v) in tokD.state_dict()) v.copy_(init[k]);
        TokenizerTraining.Run(plain, tokD, train, test, c.Path, false, torch.CPU, evalImages: 8);
        Assert.Contains(tokD.state_dict(), kv => !Same(kv.Value, sa[kv.Key]));
    }

    [Fact]
    public void EncodingWithFlipAddsTheMirrorImagesAfterThePictures()
    {
        torch.manual_seed(5);
        var tok = TokenizerTrainingTests.TinyConfig(1).Build();
        tok.eval();
        var data = Pictures(7);
        var (plain, plainLabels) = TokenizerCommands.EncodeAll(tok, data, torch.CPU, batch: 3);
        var (both, labels) = TokenizerCommands.EncodeAll(tok, data, torch.CPU, batch: 3, flip: true);
        Assert.Equal(14, both.shape[0]);
        TensorAssert.BitEqual(plain, both[..7], "the pictures");
        using (torch.no_grad())
            TensorAssert.BitEqual(tok.Encode(data.ToTensor(0, 7).flip(3)), both[7..], "the mirror images");
        TensorAssert.BitEqual(torch.cat([plainLabels, plainLabels]), labels, "labels");
        Assert.False(Same(plain, both[7..]));
    }

    static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    sealed class Inline(Action<TrainProgress> action) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => action(value);
    }
}
