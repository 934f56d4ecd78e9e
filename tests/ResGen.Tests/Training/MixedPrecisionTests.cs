using ResGen.Conditioning;
using ResGen.Data;
using ResGen.Generation;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

/// <summary>
/// bf16 training (network in bfloat16, float32 master weights, moments, norms, losses and quantizer)
/// learns what fp32 training learns on a tiny config, for every generator kind, and its checkpoint
/// loads into a float32 network that samples.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MixedPrecisionTests
{
    const int Side = 3, D = 4, K = 16, Classes = 3;
    static readonly TokenLayout Layout = new() { GridHeight = Side, GridWidth = Side, Depth = D, CodebookSize = K, CodeDim = 4 };

    static ResidualVectorQuantizer Quantizer() => TestQuantizers.Fixed(D, K, 4);

    /// <summary>Grids that depend on the class (coarse depths) plus noise (fine depths): there is something to learn.</summary>
    static TokenCache Data()
    {
        var rng = new Random(3);
        int n = 96;
        var codes = new ushort[n * Side * Side * D];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < Side * Side; p++)
                for (int j = 0; j < D; j++)
                    codes[((i * Side * Side) + p) * D + j] = (ushort)(j < 2 ? (i % Classes * 5 + p + j * 3) % K : rng.Next(K));
        return new TokenCache(codes, [.. Enumerable.Range(0, n).Select(i => i % Classes)], Side, Side, D, K, Classes, "{}");
    }

    static double TrainValNll(GeneratorKind kind, ScalarType dtype, string dir)
    {
        string[] sets = ["model.width=32", "model.layers=1", "model.heads=2", "model.classes=3", "train.steps=80", "train.batch_size=16",
            "train.log_every=40", "train.eval_every=80", "train.checkpoint_every=80", "train.warmup_steps=5", "train.lr=0.003"];
        var extra = kind == GeneratorKinds.RqTransformer ? new[] { "model.depth_layers=1" } : [];
        var cfg = kind.LoadConfig(null, [.. sets, .. extra]).WithTokens(Layout, "");
        torch.manual_seed(0);
        var model = kind.Build(cfg, Quantizer());
        if (dtype != ScalarType.Float32) model.Module.to(dtype);
        Assert.All(model.Module.parameters(), p => Assert.Equal(dtype, p.dtype));
        var cache = Data();
        var metrics = kind.Train(cfg, model, cache, cache, dir, resume: false, torch.CPU);
        return metrics.First(m => m.Name == "val_nll").Value;
    }

    public static TheoryData<string> Kinds => new(GeneratorKinds.Names);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Bf16TrainingLearnsWhatFp32Learns(string name)
    {
        var kind = GeneratorKinds.Find(name);
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        double fp32 = TrainValNll(kind, ScalarType.Float32, a.Path);
        double bf16 = TrainValNll(kind, ScalarType.BFloat16, b.Path);
        Assert.True(double.IsFinite(bf16), $"{name}: bf16 validation NLL {bf16}");
        Assert.True(Math.Abs(bf16 - fp32) <= 0.05 * Math.Abs(fp32) + 0.05, $"{name}: validation NLL fp32 {fp32:0.0000}, bf16 {bf16:0.0000}");

        // the bf16 run's checkpoint loads into a float32 network, which samples
        var (gen, _) = GeneratorKinds.Load(Path.Combine(b.Path, "model"), Quantizer(), "");
        Assert.All(gen.Module.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        using var g = new Generator(1);
        var r = gen.Sample(new SampleRequest(ClassCondition.Of([0, 2]), new SamplerSettings { Steps = 2 }), g);
        Assert.Equal(new long[] { 2, Side * Side, D }, r.Indices.shape);
    }
}
