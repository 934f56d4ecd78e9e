using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Generation.Mixture;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Generation;

[Collection(TorchCollection.Name)]
public sealed class SamplerTests
{
    const int L = 6, D = 4, K = 8, Dz = 4, M = 3, Classes = 2;

    static ResidualVectorQuantizer Quantizer()
    {
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = D, CodebookSize = K, CodeDim = Dz });
        using (torch.no_grad())
        {
            var g = new Generator(3);
            for (int j = 0; j < D; j++) rvq.Codebooks[j].copy_(torch.randn(K, Dz, generator: g) * MathF.Pow(0.3f, j));
        }
        rvq.eval();
        return rvq;
    }

    /// <summary>A network that ignores nothing it is given: its output depends on the visible sum, k and the class.</summary>
    sealed class FakeNetwork
    {
        public int Calls;
        public readonly List<long> Batches = [];
        /// <summary>Positions the mixture was asked for at each call.</summary>
        public readonly List<long> Rows = [];
        public MixtureParams Forward(Tensor visibleSum, Tensor masked, Tensor? valid, Condition condition, Tensor? rows)
        {
            var full = Full(visibleSum, masked, condition);
            Rows.Add(rows?.shape[1] ?? visibleSum.shape[1]);
            return rows is null ? full : AtRows(full, rows);
        }

        /// <summary>The mixtures at positions rows [B, N] of a [B, L, ..] mixture, as the real network's head gives them.</summary>
        static MixtureParams AtRows(MixtureParams p, Tensor rows)
        {
            long m = p.Logits.shape[^1], d = p.Means.shape[^1], b = rows.shape[0], n = rows.shape[1];
            var at = rows.unsqueeze(-1);
            return new(p.Logits.gather(1, at.expand(b, n, m)),
                       p.Means.gather(1, at.unsqueeze(-1).expand(b, n, m, d)),
                       p.LogScales.gather(1, at.unsqueeze(-1).expand(b, n, m, d)));
        }

        MixtureParams Full(Tensor visibleSum, Tensor masked, Condition condition)
        {
            var y = ((ClassCondition)condition).Labels;
            var labels = torch.where(y < 0, torch.full_like(y, Classes), y);   // the null class
            Calls++;
            Batches.Add(labels.shape[0]);
            long b = labels.shape[0];
            var basis = torch.linspace(-1, 1, M * Dz).reshape(1, 1, M, Dz);
            var means = basis * (1 + labels.to(ScalarType.Float32).reshape(b, 1, 1, 1)) + 0.1f * visibleSum.unsqueeze(2);
            var logits = torch.stack([masked.to(ScalarType.Float32) * 0.1f, torch.zeros(b, L), labels.to(ScalarType.Float32).reshape(b, 1).expand(b, L)], -1);
            return new MixtureParams(logits, means, torch.full(b, L, M, Dz, -1f));
        }
    }

    static (SampleResult, FakeNetwork) Run(SamplerSettings s, ulong seed, KnownTokens? known = null, bool keep = true)
    {
        var net = new FakeNetwork();
        var sampler = new ResGenSampler(net.Forward, Quantizer(), L);
        var request = new SampleRequest(ClassCondition.Of([0, 1, 1]), s) { Known = known, KeepSteps = keep };
        return (sampler.Sample(request, new Generator(seed)), net);
    }

    [Theory]
    [InlineData(1, "codes")]
    [InlineData(5, "codes")]
    [InlineData(24, "codes")]
    [InlineData(5, "component")]
    [InlineData(24, "component")]
    public void UnmasksEverythingInExactlyTSteps(int steps, string confidence)
    {
        var s = new SamplerSettings { Steps = steps, Guidance = 0, Confidence = confidence };
        var (r, net) = Run(s, 1);
        Assert.Equal(steps, net.Calls);
        Assert.Equal(steps, r.NetworkCalls);
        Assert.Equal(steps, r.Steps.Count);
        var expected = MaskSchedule.SamplingCounts("cosine", steps, L * D);
        long prevMasked = L * D;
        for (int t = 0; t < steps; t++)
        {
            var masked = (D - r.Steps[t].Visible).sum(1);
            Assert.True((masked == expected[t]).all().item<bool>(), $"step {t + 1}: masked {masked[0].item<long>()} expected {expected[t]}");
            Assert.True(masked.max().item<long>() < prevMasked);
            prevMasked = masked.max().item<long>();
        }
        Assert.True((r.Steps[^1].Visible == D).all().item<bool>());
        Assert.True(r.Indices.min().item<long>() >= 0 && r.Indices.max().item<long>() < K);
    }

    [Theory]
    [InlineData("codes")]
    [InlineData("component")]
    public void WorkingOnlyOnMaskedPositionsGivesTheSameTokensAsWorkingOnAll(string confidence)
    {
        // deterministic settings: one component survives top-p, no Gumbel noise, means not draws
        var s = new SamplerSettings { Steps = 8, Guidance = 1, Temperature = 0, TopP = 1e-6f, Confidence = confidence };
        var request = new SampleRequest(ClassCondition.Of([0, 1, 1]), s) { KeepSteps = true };
        var subsetNet = new FakeNetwork();
        var subset = new ResGenSampler(subsetNet.Forward, Quantizer(), L).Sample(request, new Generator(3));
        var allNet = new FakeNetwork();
        var all = new ResGenSampler(allNet.Forward, Quantizer(), L) { MaskedPositionsOnly = false }.Sample(request, new Generator(3));
        for (int t = 0; t < s.Steps; t++)
        {
            TensorAssert.Equal(all.Steps[t].Indices, subset.Steps[t].Indices);
            TensorAssert.Equal(all.Steps[t].Visible, subset.Steps[t].Visible);
        }
        Assert.All(allNet.Rows, n => Assert.Equal(L, n));
        // late steps have fewer than L positions with masked tokens and ask for fewer rows
        Assert.True(subsetNet.Rows[^1] < L, $"rows asked for: {string.Join(", ", subsetNet.Rows)}");
        var counts = MaskSchedule.SamplingCounts("cosine", s.Steps, L * D);
        for (int t = 1; t < s.Steps; t++) Assert.Equal(Math.Min(L, counts[t - 1]), subsetNet.Rows[t]);
    }

    [Fact]
    public void RevealedTokensAreNeverRemaskedOrChanged()
    {
        var (r, _) = Run(new SamplerSettings { Steps = 8, Guidance = 0 }, 2);
        for (int t = 1; t < r.Steps.Count; t++)
        {
            var before = r.Steps[t - 1];
            var after = r.Steps[t];
            Assert.True((after.Visible >= before.Visible).all().item<bool>());
            var wasVisible = torch.arange(D) < before.Visible.unsqueeze(-1);
            Assert.True((after.Indices.masked_select(wasVisible) == before.Indices.masked_select(wasVisible)).all().item<bool>());
        }
    }

    [Fact]
    public void KnownTokensAreKept()
    {
        var g = new Generator(4);
        var knownIdx = torch.randint(K, [3, L, D], generator: g);
        var depths = torch.tensor(new long[] { 4, 0, 2, 1, 3, 0, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 1 }).reshape(3, L);
        var (r, _) = Run(new SamplerSettings { Steps = 4, Guidance = 1 }, 5, new KnownTokens(knownIdx, depths));
        var knownMask = torch.arange(D) < depths.unsqueeze(-1);
        foreach (var step in r.Steps)
        {
            Assert.True((step.Indices.masked_select(knownMask) == knownIdx.masked_select(knownMask)).all().item<bool>());
            Assert.True((step.Visible >= depths).all().item<bool>());
        }
        Assert.True((r.Steps[^1].Visible == D).all().item<bool>());
    }

    /// <summary>Every call's inputs, kept (the sampler disposes its own each step).</summary>
    sealed record Call(Tensor VisibleSum, Tensor Masked, Tensor Valid, long[] Labels, Tensor Rows);

    static Tensor Keep(Tensor x) => x.clone().DetachFromDisposeScope();

    [Fact]
    public void PromptGuidanceShowsTheUnconditionalPassTheNewPartAloneFromPositionZero()
    {
        // three examples: prompts of 2, 0 and 3 positions, lengths 6, 4 and 5 (L = 6)
        long[] prompt = [2, 0, 3], length = [6, 4, 5];
        var g = new Generator(11);
        var knownIdx = torch.randint(K, [3, L, D], generator: g);
        var depths = torch.zeros(3, L, ScalarType.Int64);
        for (int e = 0; e < 3; e++) depths[e].narrow(0, 0, prompt[e]).fill_(D);
        var calls = new List<Call>();
        var net = new FakeNetwork();
        MixtureParams Recording(Tensor x, Tensor k, Tensor? v, Condition c, Tensor? rows)
        {
            calls.Add(new(Keep(x), Keep(k), Keep(v!), ((ClassCondition)c).Labels.data<long>().ToArray(), Keep(rows!)));
            return Contextual(x, k, v, c, rows);
        }
        // each position also reads the sum over its sequence, so the prompt matters to the unconditional pass
        MixtureParams Contextual(Tensor x, Tensor k, Tensor? v, Condition c, Tensor? rows)
            => net.Forward(x + (x * v!.unsqueeze(-1)).sum(1, keepdim: true), k, v, c, rows);
        var s = new SamplerSettings { Steps = 4, Guidance = 2, GuidePrompt = true };
        var request = new SampleRequest(ClassCondition.Of([0, 1, 1]), s)
        {
            Known = new KnownTokens(knownIdx, depths),
            Lengths = torch.tensor(length),
            PromptPositions = torch.tensor(prompt),
            KeepSteps = true,
        };
        var r = new ResGenSampler(Recording, Quantizer(), L).Sample(request, new Generator(5));

        Assert.Equal(4, calls.Count);
        Assert.Equal(8, r.NetworkPasses);
        foreach (var call in calls)
        {
            Assert.Equal([0L, 1, 1, ClassCondition.NullLabel, ClassCondition.NullLabel, ClassCondition.NullLabel], call.Labels);
            for (int e = 0; e < 3; e++)
            {
                long n = length[e] - prompt[e];
                // the unconditional row e + 3 is row e without its prompt, padding after its new part
                Assert.True((call.Valid[e + 3] == (torch.arange(L) < n)).all().item<bool>());
                TensorAssert.Equal(call.VisibleSum[e].narrow(0, prompt[e], n), call.VisibleSum[e + 3].narrow(0, 0, n));
                TensorAssert.Equal(call.Masked[e].narrow(0, prompt[e], n), call.Masked[e + 3].narrow(0, 0, n));
                Assert.True((call.Masked[e + 3].narrow(0, n, L - n) == 0).all().item<bool>());
                // the same positions are asked of both halves; prompt rows read row 0
                TensorAssert.Equal((call.Rows[e] - prompt[e]).clamp_min(0), call.Rows[e + 3]);
            }
        }
        // the prompt is kept, everything real is sampled, and leaving the prompt out of the unconditional pass changes the samples
        var promptMask = torch.arange(D) < depths.unsqueeze(-1);
        Assert.True((r.Indices.masked_select(promptMask) == knownIdx.masked_select(promptMask)).all().item<bool>());
        Assert.True((r.Steps[^1].Visible.narrow(1, 0, 4) == D).all().item<bool>());
        var textOnly = new ResGenSampler(Contextual, Quantizer(), L).Sample(request with { Settings = s with { GuidePrompt = false } }, new Generator(5));
        Assert.False(textOnly.Indices.eq(r.Indices).all().item<bool>());
    }

    [Fact]
    public void PromptPositionsThatLeaveNothingToSampleAreRefused()
    {
        var request = new SampleRequest(ClassCondition.Of([0, 1]), new SamplerSettings { GuidePrompt = true })
        {
            Lengths = torch.tensor(new long[] { 4, 3 }),
            PromptPositions = torch.tensor(new long[] { 2, 3 }),
        };
        Assert.Throws<ArgumentException>(() => new ResGenSampler(new FakeNetwork().Forward, Quantizer(), L).Sample(request, new Generator(1)));
    }

    [Fact]
    public void SameSeedSameSamplesOtherSeedOtherSamples()
    {
        var s = new SamplerSettings { Steps = 6, Guidance = 1.5f, DrawScale = 1f };
        var (a, _) = Run(s, 7);
        var (b, _) = Run(s, 7);
        var (c, _) = Run(s, 8);
        TensorAssert.Equal(a.Indices, b.Indices);
        Assert.False(a.Indices.eq(c.Indices).all().item<bool>());
    }

    [Fact]
    public void GuidanceRunsAnUnconditionalPassAndScaleZeroIsTheConditionalPass()
    {
        var (r, net) = Run(new SamplerSettings { Steps = 3, Guidance = 2 }, 9);
        Assert.Equal(6, r.NetworkPasses);
        Assert.All(net.Batches, n => Assert.Equal(6L, n));     // cond + uncond in one batch

        var f = new FakeNetwork();
        var x = torch.randn(3, L, Dz);
        var k = torch.full(3, L, 2L);
        var cond = f.Forward(x, k, null, ClassCondition.Of([0, 1, 1]), null);
        var uncond = f.Forward(x, k, null, ClassCondition.Of([0, 1, 1]).Null(), null);
        var g0 = cond.Guide(uncond, 0);
        TensorAssert.Equal(cond.Logits, g0.Logits);
        TensorAssert.Equal(cond.Means, g0.Means);
        var g2 = cond.Guide(uncond, 2);
        var means = MixtureGuidance.Resolve(g2, MixtureGuidance.Extrapolate, 1f).Components.Means;
        Assert.True(torch.allclose(means, cond.Means + 2 * (cond.Means - uncond.Means)));

        var (zero, net0) = Run(new SamplerSettings { Steps = 3, Guidance = 0 }, 9);
        Assert.Equal(3, zero.NetworkPasses);
        Assert.All(net0.Batches, n => Assert.Equal(3L, n));
    }

    [Theory]
    [InlineData("tilt")]
    [InlineData("logits")]
    [InlineData("extrapolate")]
    public void EveryMixtureGuidanceRevealsEverythingWithTwoPassesPerStep(string method)
    {
        var (r, _) = Run(new SamplerSettings { Steps = 4, Guidance = 1.5f, MixtureGuidance = method }, 5);
        Assert.Equal(8, r.NetworkPasses);
        Assert.True(r.Indices.ge(0).logical_and(r.Indices.lt(K)).all().item<bool>());
    }

    [Fact]
    public void UnknownConfidenceIsAUserError()
        => Assert.Throws<UserErrorException>(() => new SamplerSettings { Confidence = "vibes" }.Validate());

    [Fact]
    public void TooManyStepsIsAUserError()
        => Assert.Throws<UserErrorException>(() => Run(new SamplerSettings { Steps = L * D + 1 }, 1));
}
