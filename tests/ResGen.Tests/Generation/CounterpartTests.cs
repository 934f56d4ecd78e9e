using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Generation.ArResGen;
using ResGen.Generation.MaskGit;
using ResGen.Generation.Mixture;
using ResGen.Generation.RqTransformer;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Generation;

/// <summary>The counterparts of ResGen: call counts with fake networks, cached = uncached sampling, learning, checkpoints.</summary>
[Collection(TorchCollection.Name)]
public sealed class CounterpartTests
{
    const int Side = 3, L = Side * Side, D = 4, K = 16, Dz = 4, Classes = 3;

    static readonly TokenLayout Layout = new() { GridHeight = Side, GridWidth = Side, Depth = D, CodebookSize = K, CodeDim = Dz };

    static ResidualVectorQuantizer Quantizer()
    {
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = D, CodebookSize = K, CodeDim = Dz });
        using (torch.no_grad())
        {
            var g = new Generator(11);
            for (int j = 0; j < D; j++) rvq.Codebooks[j].copy_(torch.randn(K, Dz, generator: g) * MathF.Pow(0.5f, j));
        }
        rvq.eval();
        return rvq;
    }

    static IGenerator Tiny(string kind, int seed = 0)
    {
        torch.manual_seed(seed);
        var k = GeneratorKinds.Find(kind);
        var cfg = k.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.classes=3"]).WithTokens(Layout, "");
        var g = k.Build(cfg, Quantizer());
        // move every parameter off its initial value so zero-initialised gates do not hide bugs
        using (torch.no_grad())
            foreach (var p in g.Module.parameters()) p.add_(torch.randn_like(p) * 0.05f);
        return g;
    }

    static SampleRequest Request(SamplerSettings s) => new(ClassCondition.Of([0, 2, 1]), s);

    [Fact]
    public void RqTransformerMakesLTimesDPredictionsWithTheCache()
    {
        var net = new FakeRq();
        var r = new RqTransformerSampler(net, Quantizer(), L).Sample(Request(new SamplerSettings { Guidance = 0 }), new Generator(1));
        Assert.Equal(L * D, r.NetworkCalls);
        Assert.Equal(L * D, net.DepthCalls);
        Assert.Equal(L, net.SpatialCalls);
        Assert.All(net.NewInputs, n => Assert.Equal(1L, n));            // every cached call reads one new input
        Assert.Equal(new long[] { 3, L, D }, r.Indices.shape);
        Assert.True(r.Indices.min().item<long>() >= 0 && r.Indices.max().item<long>() < K);
    }

    [Fact]
    public void ArResGenMakesOnePredictionPerPosition()
    {
        var net = new FakeAr();
        var r = new ArResGenSampler(net, Quantizer(), L).Sample(Request(new SamplerSettings { Guidance = 1 }), new Generator(2));
        Assert.Equal(L, r.NetworkCalls);
        Assert.Equal(L, net.Calls);
        Assert.Equal(2 * L, r.NetworkPasses);                            // guidance: cond + uncond in one batch
        Assert.All(net.Batches, b => Assert.Equal(6L, b));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    public void MaskGitMakesOneCallPerStep(int steps)
    {
        int calls = 0;
        TokenLogits Net(Tensor sum, Tensor masked, Tensor? valid, Condition c)
        {
            calls++;
            var logits = torch.linspace(-2, 2, K).reshape(1, 1, 1, K) * (1 + sum.sum(-1, keepdim: true).unsqueeze(-1)) + masked.unsqueeze(-1).unsqueeze(-1);
            return new TokenLogits(logits.expand(c.Batch, L, D, K).contiguous());
        }
        var r = new MaskGitSampler(Net, L, D, Quantizer()).Sample(Request(new SamplerSettings { Steps = steps, Guidance = 0 }) with { KeepSteps = true }, new Generator(3));
        Assert.Equal(steps, calls);
        Assert.Equal(steps, r.NetworkCalls);
        var expected = MaskSchedule.SamplingCounts("cosine", steps, L * D);
        for (int t = 0; t < steps; t++)
            Assert.True(((D - r.Steps[t].Visible).sum(1) == expected[t]).all().item<bool>());
        for (int t = 1; t < steps; t++)
        {
            var wasVisible = torch.arange(D) < r.Steps[t - 1].Visible.unsqueeze(-1);
            Assert.True((r.Steps[t].Indices.masked_select(wasVisible) == r.Steps[t - 1].Indices.masked_select(wasVisible)).all().item<bool>());
        }
    }

    [Theory]
    [InlineData("rq-transformer", 0f)]
    [InlineData("rq-transformer", 1.5f)]
    [InlineData("ar-resgen", 0f)]
    [InlineData("ar-resgen", 1.5f)]
    public void CachedAndUncachedSamplingGiveTheSameTokens(string kind, float guidance)
    {
        var model = Tiny(kind);
        var s = new SamplerSettings { Guidance = guidance, TopP = 0.95f, TopK = 10, DrawScale = 0.5f };
        Tensor Run(bool cache) => model switch
        {
            RqTransformerModel rq => rq.Sample(Request(s), new Generator(9), cache).Indices,
            ArResGenModel ar => ar.Sample(Request(s), new Generator(9), cache).Indices,
            _ => throw new InvalidOperationException(),
        };
        TensorAssert.Equal(Run(true), Run(false));
    }

    [Theory]
    [InlineData("rq-transformer")]
    [InlineData("ar-resgen")]
    public void AutoregressiveModelsKeepKnownPositions(string kind)
    {
        var model = Tiny(kind);
        var knownIdx = torch.randint(K, [3, L, D], generator: new Generator(4));
        var depths = torch.zeros(3, L, ScalarType.Int64);
        depths[.., ..3] = D;                      // a prompt: the first three positions
        depths[1, 3] = 2;                         // and a coarse prefix of the fourth
        var r = model.Sample(Request(new SamplerSettings { Guidance = 1 }) with { Known = new KnownTokens(knownIdx, depths) }, new Generator(5));
        var mask = torch.arange(D) < depths.unsqueeze(-1);
        Assert.True((r.Indices.masked_select(mask) == knownIdx.masked_select(mask)).all().item<bool>());
    }

    [Theory]
    [InlineData("resgen")]
    [InlineData("maskgit")]
    [InlineData("rq-transformer")]
    [InlineData("ar-resgen")]
    public void EveryKindLearnsAFixedBatchAndSamples(string kind)
    {
        var model = Tiny(kind, seed: 1);
        var g = new Generator(1);
        var batch = new TokenBatch(torch.randint(K, [16, L, D], generator: g));
        var labels = new ClassCondition(torch.randint(Classes, [16], generator: g));
        var opt = torch.optim.Adam(model.Module.parameters(), 3e-3);
        double first = 0, last = 0;
        model.Module.train();
        for (int i = 0; i < 60; i++)
        {
            using var scope = torch.NewDisposeScope();
            var loss = model.Loss(batch, labels, new Generator(100));
            opt.zero_grad();
            loss.Loss.backward();
            opt.step();
            if (i == 0) first = loss.Loss.item<float>();
            last = loss.Loss.item<float>();
            Assert.False(double.IsNaN(last));
        }
        Assert.True(last < first - 0.3, $"{kind}: loss went from {first:F3} to {last:F3}");
        Assert.Contains(model.Loss(batch, labels, new Generator(1)).Parts, p => p.Name == "nll");
        var r = model.Sample(Request(new SamplerSettings { Steps = 4 }), new Generator(2));
        Assert.Equal(new long[] { 3, L, D }, r.Indices.shape);
        Assert.True(r.Indices.min().item<long>() >= 0 && r.Indices.max().item<long>() < K);
    }

    [Theory]
    [InlineData("resgen")]
    [InlineData("maskgit")]
    [InlineData("rq-transformer")]
    [InlineData("ar-resgen")]
    public void VariableLengthSequencesFitTheSameModels(string kind)
    {
        // a 1-D layout of up to 10 positions; padded tokens must not change the loss, samples stop at each length
        var layout = new TokenLayout { GridHeight = 1, GridWidth = 10, Depth = D, CodebookSize = K, CodeDim = Dz, Layout = PositionLayout.Sequence };
        torch.manual_seed(3);
        var k = GeneratorKinds.Find(kind);
        var model = k.Build(k.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.classes=3"]).WithTokens(layout, ""), Quantizer());
        using (torch.no_grad())
            foreach (var p in model.Module.parameters()) p.add_(torch.randn_like(p) * 0.05f);
        model.Module.eval();
        var lengths = torch.tensor(new long[] { 10, 6, 3 });
        var idx = torch.randint(K, [3, 10, D], generator: new Generator(1));
        var valid = TokenBatch.ValidMask(lengths, 10).unsqueeze(-1);
        var garbage = torch.where(valid, idx, torch.randint(K, [3, 10, D], generator: new Generator(2)));
        var labels = ClassCondition.Of([0, 1, 2]);
        float a = model.Loss(new TokenBatch(idx, lengths), labels, new Generator(5)).Loss.item<float>();
        float b = model.Loss(new TokenBatch(garbage, lengths), labels, new Generator(5)).Loss.item<float>();
        Assert.True(Math.Abs(a - b) < 1e-5, $"{kind}: padding changed the loss ({a} vs {b})");
        var r = model.Sample(new SampleRequest(labels, new SamplerSettings { Steps = 3 }) { Lengths = lengths }, new Generator(6));
        Assert.Equal(new long[] { 3, 10, D }, r.Indices.shape);
    }

    [Fact]
    public void RqTransformerScoresNoPromptToken()
    {
        // a causal model's NLL of the first p positions does not depend on what follows them, so the
        // prompted loss must equal (all tokens' NLL − the prompt's) over the rest
        var g = Tiny("rq-transformer", 4);
        g.Module.eval();
        var idx = torch.randint(0, K, [3, L, D], generator: new Generator(12));
        var labels = ClassCondition.Of([0, 2, 1]);
        long[] lengths = [L, L - 2, 6], prompts = [4, 1, 3];
        double Nll(TokenBatch t) => g.Loss(t, labels, new Generator(1)).Parts.First(p => p.Name == "nll").Value.item<float>();
        double all = Nll(new TokenBatch(idx, torch.tensor(lengths)));
        double prompt = Nll(new TokenBatch(idx, torch.tensor(prompts)));
        double scored = Nll(new TokenBatch(idx, torch.tensor(lengths), torch.tensor(prompts)));
        double nAll = lengths.Sum(), nPrompt = prompts.Sum();
        Assert.Equal((all * nAll - prompt * nPrompt) / (nAll - nPrompt), scored, 4);
        Assert.NotEqual(all, scored, 3);
    }

    [Fact]
    public void LabelsAreDroppedInTrainingModeOnly()
    {
        // the same weights with label dropout 0.9 and 0: equal losses in eval mode (validation), different in training mode
        var cfg = GeneratorKinds.ResGen.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.classes=3"]).WithTokens(Layout, "");
        var q = Quantizer();
        var dropping = GeneratorKinds.ResGen.Build(((ResGenRunConfig)cfg) with { Model = ((ResGenRunConfig)cfg).Model with { LabelDropout = 0.9f } }, q);
        var keeping = GeneratorKinds.ResGen.Build(((ResGenRunConfig)cfg) with { Model = ((ResGenRunConfig)cfg).Model with { LabelDropout = 0f } }, q);
        using (torch.no_grad())
            foreach (var p in dropping.Module.parameters()) p.add_(torch.randn_like(p) * 0.05f);
        keeping.Module.load_state_dict(dropping.Module.state_dict());
        var batch = new TokenBatch(torch.randint(K, [64, L, D], generator: new Generator(1)));
        var labels = new ClassCondition(torch.randint(Classes, [64], generator: new Generator(2)));
        float Loss(IGenerator g, bool train) { g.Module.train(train); return g.Loss(batch, labels, new Generator(3)).Loss.item<float>(); }
        Assert.Equal(Loss(keeping, false), Loss(dropping, false));
        Assert.NotEqual(Loss(keeping, true), Loss(dropping, true));
    }

    [Fact]
    public void ACheckpointOfOneKindLoadedAsAnotherIsOneSentence()
    {
        using var dir = new TempDirectory();
        var rq = Tiny("rq-transformer");
        var path = Path.Combine(dir.Path, "rq");
        var cfg = GeneratorKinds.RqTransformer.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.classes=3"]).WithTokens(Layout, "");
        ResGen.Training.Checkpoint.Save(path, rq.Module, rq.Kind, (RqTransformerRunConfig)cfg, 0);
        var loaded = GeneratorKinds.Load(path, Quantizer(), "");
        Assert.Equal("rq-transformer", loaded.Generator.Kind);
        var e = Assert.Throws<UserErrorException>(() => ResGen.Training.Checkpoint.Load(path, Tiny("resgen").Module, "resgen"));
        Assert.Contains("rq-transformer checkpoint, expected a resgen", e.Message);
        var tokPath = Path.Combine(dir.Path, "tok");
        ResGen.Training.Checkpoint.Save(tokPath, Quantizer(), "tokenizer", new RvqConfig(), 0);
        var e2 = Assert.Throws<UserErrorException>(() => GeneratorKinds.Load(tokPath, Quantizer(), ""));
        Assert.Contains("not a generator", e2.Message);
        Assert.Throws<UserErrorException>(() => GeneratorKinds.Find("vq-gan"));
    }

    /// <summary>An RQ-Transformer stand-in whose logits depend on every input it is given.</summary>
    sealed class FakeRq : IRqNetwork
    {
        public int SpatialCalls, DepthCalls;
        public readonly List<long> NewInputs = [];
        public KvCache NewSpatialCache(long positions) => new(1, positions);
        public KvCache NewDepthCache() => new(1, D);
        public EncodedCondition Encode(Condition condition, Generator? generator = null) => new(((ClassCondition)condition).Labels.to(ScalarType.Float32).unsqueeze(1).expand(-1, 8));
        public Tensor Spatial(Tensor previousSums, long first, EncodedCondition condition, KvCache? cache, Tensor? lengths = null)
        {
            SpatialCalls++;
            NewInputs.Add(previousSums.shape[1]);
            cache?.Advance(previousSums.shape[1]);
            return previousSums.sum(-1, keepdim: true).expand(-1, -1, 8) + condition.Vector.unsqueeze(1);
        }
        public TokenLogits Depth(Tensor context, Tensor cumulativeSums, int firstSlot, Tensor condition, KvCache? cache)
        {
            DepthCalls++;
            NewInputs.Add(cumulativeSums.shape[1]);
            cache?.Advance(cumulativeSums.shape[1]);
            var s = cumulativeSums.sum(-1, keepdim: true) + context.sum(-1, keepdim: true).unsqueeze(1) * 0.01f + firstSlot;
            return new TokenLogits(s * torch.linspace(-1, 1, K).reshape(1, 1, K));
        }
    }

    /// <summary>An AR-ResGen stand-in.</summary>
    sealed class FakeAr : IArMixtureNetwork
    {
        public int Calls;
        public readonly List<long> Batches = [];
        public KvCache NewCache(long capacity) => new(1, capacity);
        public Tensor Encode(Condition condition, Generator? generator = null) => ((ClassCondition)condition).Labels.to(ScalarType.Float32).unsqueeze(1);
        public MixtureParams Step(Tensor previousSums, long first, Tensor condition, KvCache? cache)
        {
            Calls++;
            long b = previousSums.shape[0], n = previousSums.shape[1];
            Batches.Add(b);
            cache?.Advance(n);
            var means = previousSums.unsqueeze(2).expand(b, n, 2, Dz) * 0.5f + condition.reshape(b, 1, 1, 1);
            return new MixtureParams(torch.zeros(b, n, 2), means, torch.full(b, n, 2, Dz, -1f));
        }
    }
}
