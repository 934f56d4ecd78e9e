using ResGen.Conditioning;
using ResGen.Generation;
using ResGen.Generation.RqTransformer;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Conditioning;

/// <summary>Text-conditioned generators (speech): phoneme conditions, prompts kept, lengths kept, and text that is actually read.</summary>
[Collection(TorchCollection.Name)]
public sealed class TextConditioningTests
{
    const int L = 12, D = 2, K = 8, Dz = 4, Vocab = 6;

    static readonly TokenLayout Layout = new() { GridHeight = 1, GridWidth = L, Depth = D, CodebookSize = K, CodeDim = Dz, Layout = PositionLayout.Sequence };

    static ResidualVectorQuantizer Quantizer()
    {
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = D, CodebookSize = K, CodeDim = Dz });
        using (torch.no_grad())
        {
            var g = new Generator(5);
            for (int j = 0; j < D; j++) rvq.Codebooks[j].copy_(torch.randn(K, Dz, generator: g) * MathF.Pow(0.5f, j));
        }
        rvq.eval();
        return rvq;
    }

    static IGenerator Tiny(string kind, bool perturb = true)
    {
        torch.manual_seed(3);
        var k = GeneratorKinds.Find(kind);
        var cfg = k.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.condition=text", $"model.text.vocabulary={Vocab}",
            "model.text.layers=1", "model.label_dropout=0.1"]).WithTokens(Layout, "");
        var g = k.Build(cfg, Quantizer());
        if (perturb)
            using (torch.no_grad())
                foreach (var p in g.Module.parameters()) p.add_(torch.randn_like(p) * 0.05f);
        return g;
    }

    /// <summary>
    /// Utterances of 3..6 phonemes (ids 1..5), two frames per phoneme: the code at depth 0 of frame j
    /// is the phoneme spoken then, depth 1 is noise. Only a model that reads the text (and aligns it)
    /// can predict depth 0.
    /// </summary>
    static (TokenBatch Tokens, PhonemeCondition Text) Speech(int batch, Generator g, bool shuffleText = false)
    {
        var p = torch.randint(3, 7, [batch], generator: g);
        var ids = torch.randint(1, Vocab, [batch, 6], generator: g);
        var phonemeValid = torch.arange(6).unsqueeze(0) < p.unsqueeze(1);
        ids = torch.where(phonemeValid, ids, torch.zeros_like(ids));
        var frames = 2 * p;
        var spoken = ids.gather(1, torch.arange(L).div(2, rounding_mode: RoundingMode.floor).clamp_max(5).unsqueeze(0).expand(batch, L));
        var noise = torch.randint(0, K, [batch, L], generator: g);
        var valid = TokenBatch.ValidMask(frames, L);
        var indices = torch.stack([spoken, noise], -1) * valid.unsqueeze(-1).to(ScalarType.Int64);
        var text = shuffleText ? ids[torch.randperm(batch, generator: g)] : ids;
        var textLengths = shuffleText ? (text > 0).sum(1) : p;
        return (new TokenBatch(indices, frames), new PhonemeCondition(text, textLengths));
    }

    [Fact]
    public void PhonemeConditionsJoinWithPaddingAndHaveANullForm()
    {
        var a = PhonemeCondition.Of([[1, 2, 3], [4]]);
        var b = PhonemeCondition.Of([[5, 5, 5, 5, 5]]);
        var both = (PhonemeCondition)a.Concat(b);
        Assert.Equal(new long[] { 3, 5 }, both.Phonemes.shape);
        Assert.Equal(new long[] { 3, 1, 5 }, both.Lengths.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 2, 3, 0, 0 }, both.Phonemes[0].data<long>().ToArray());
        var none = (PhonemeCondition)a.Null();
        Assert.All(none.Lengths.data<long>().ToArray(), l => Assert.Equal(0L, l));
        Assert.Equal(new long[] { 1, 1, 4, 4 }, ((PhonemeCondition)a.RepeatInterleave(2)).Phonemes.select(1, 0).data<long>().ToArray());
    }

    [Fact]
    public void AlignedConditionsKeepTheirStartsThroughJoinsAndRotations()
    {
        var a = PhonemeCondition.Of([[1, 2, 3], [4]], starts: [[0f, 0.5f, 0.75f], [0f]]);
        var plain = PhonemeCondition.Of([[5, 5, 5, 5]]);
        var both = (PhonemeCondition)a.Concat(plain);
        Assert.Equal(new[] { 0f, 0.5f, 0.75f, 1f }, both.Starts![0].data<float>().ToArray());    // padded with 1
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f }, both.Starts[2].data<float>().ToArray()); // the even spread of the plain one
        Assert.Equal(new[] { 0f, 1f, 1f }, ((PhonemeCondition)a.Rotated()).Starts![0].data<float>().ToArray());   // the second example's, padded with 1
        Assert.Null(((PhonemeCondition)plain.Concat(plain)).Starts);
        Assert.Throws<ArgumentException>(() => PhonemeCondition.Of([[1, 2]], starts: [[0f]]));
    }

    [Fact]
    public void EachFrameReadsThePhonemeSpokenAtItsMoment()
    {
        using var encoder = new TextEncoder(new TextEncoderConfig { Vocabulary = Vocab, Layers = 1 }, 16, 2, 2f, 0f);
        encoder.eval();
        using var _ = torch.no_grad();
        // phoneme 1 is a stress mark (starts with phoneme 2, no duration); phoneme 3 is long
        var aligned = encoder.Encode(PhonemeCondition.Of([[1, 2, 3, 4], [1, 2, 3, 4]], starts: [[0f, 0.2f, 0.2f, 0.4f], [0f, 0.25f, 0.5f, 0.75f]]));
        var frames = torch.tensor(new[] { 0.05f, 0.15f, 0.25f, 0.35f, 0.45f, 0.95f }).unsqueeze(0).expand(2, -1);
        var index = TextEncoder.AlignedIndex(frames, aligned);
        Assert.Equal(new long[] { 0, 0, 2, 2, 3, 3 }, index[0].data<long>().ToArray());
        Assert.Equal(new long[] { 0, 0, 1, 1, 1, 3 }, index[1].data<long>().ToArray());
        // without starts: the even spread, phoneme ⌊f·P⌋
        var even = encoder.Encode(PhonemeCondition.Of([[1, 2, 3, 4, 5]]));
        var f = torch.tensor(new[] { 0.05f, 0.25f, 0.5f, 0.65f, 0.99f }).unsqueeze(0);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, TextEncoder.AlignedIndex(f, even)[0].data<long>().ToArray());
        // the centres that set the alignment prior follow the starts
        Assert.Equal(new[] { 0.1f, 0.2f, 0.3f, 0.7f }, aligned.ContextProgress![0].data<float>().ToArray().Select(v => MathF.Round(v, 4)).ToArray());
    }

    [Fact]
    public void MaskingSparesThePromptAndSpreadsOverTheRest()
    {
        var g = new Generator(1);
        var prompt = TokenBatch.ValidMask(torch.tensor(new long[] { 4, 0 }), L);
        var valid = TokenBatch.ValidMask(torch.tensor(new long[] { 10, 12 }), L);
        var maskable = valid.logical_and(prompt.logical_not());
        for (int i = 0; i < 50; i++)
        {
            var k = DepthMasking.SampleCounts(2, L, D, "cosine", g, lengths: torch.tensor(new long[] { 10, 12 }), maskable: maskable);
            Assert.Equal(0L, k[0].narrow(0, 0, 4).sum().item<long>());
            Assert.Equal(0L, k[0].narrow(0, 10, 2).sum().item<long>());
            Assert.True(k[0].sum().item<long>() >= 1 && k[1].sum().item<long>() >= 1);
        }
    }

    [Theory]
    [InlineData("resgen", false)]
    [InlineData("resgen", true)]
    [InlineData("rq-transformer", false)]
    [InlineData("rq-transformer", true)]
    public void TextModelsKeepPromptTokensAndLengthsUnderGuidance(string kind, bool guidePrompt)
    {
        var model = Tiny(kind);
        var (tokens, text) = Speech(3, new Generator(2));
        var promptLengths = torch.tensor(new long[] { 3, 0, 5 });
        var known = new KnownTokens(tokens.Indices, TokenBatch.ValidMask(promptLengths, L).to(ScalarType.Int64) * D);
        var request = new SampleRequest(text, new SamplerSettings { Steps = 4, Guidance = 1.5f, GuidePrompt = guidePrompt })
        {
            Known = known,
            Lengths = tokens.Lengths,
            PromptPositions = promptLengths,
        };
        var r = model.Sample(request, new Generator(7));
        var lengths = tokens.Lengths!.data<long>().ToArray();
        var prompts = promptLengths.data<long>().ToArray();
        for (int b = 0; b < 3; b++)
        {
            TensorAssert.Equal(tokens.Indices[b].narrow(0, 0, prompts[b]), r.Indices[b].narrow(0, 0, prompts[b]));
            Assert.Equal(0L, r.Indices[b].narrow(0, lengths[b], L - lengths[b]).abs().sum().item<long>());
        }
        var loss = model.Loss(tokens with { PromptLengths = promptLengths }, text, new Generator(1));
        Assert.True(float.IsFinite(loss.Loss.item<float>()));
    }

    /// <summary>Four cases of random prompt and recording tokens with their phonemes, for the voice diagnostic.</summary>
    static (List<Tensor> Prompts, List<int[]> PromptText, List<Tensor> Codes, List<int[]> Text) VoiceCases()
    {
        var g = new Generator(9);
        int n = 4;
        var prompts = Enumerable.Range(0, n).Select(i => torch.randint(0, K, [3 + i % 2, D], generator: g)).ToList();
        var codes = Enumerable.Range(0, n).Select(i => torch.randint(0, K, [5 + i % 3, D], generator: g)).ToList();
        var promptText = Enumerable.Range(0, n).Select(i => new[] { 1 + i % 5, 2 }).ToList();
        var text = Enumerable.Range(0, n).Select(i => new[] { 3, 1 + (i + 2) % 5, 4 }).ToList();
        return (prompts, promptText, codes, text);
    }

    [Theory]
    [InlineData("resgen")]
    [InlineData("rq-transformer")]
    public void TheVoiceDiagnosticComparesOnlyThePrompt(string kind)
    {
        var model = Tiny(kind);
        model.Module.eval();
        var (prompts, promptText, codes, text) = VoiceCases();
        // the "other" prompt is the case's own: both NLLs are one computation
        var (same, alsoSame) = ResGen.Evaluation.Speech.TtsEvaluation.VoiceSensitivity(model, prompts, promptText, codes, text, [0, 1, 2, 3], 10, seed: 5, batchSize: 3);
        Assert.Equal(same, alsoSame);
        Assert.True(double.IsFinite(same));
        // another case's prompt changes the context the recordings are scored in
        var (_, other) = ResGen.Evaluation.Speech.TtsEvaluation.VoiceSensitivity(model, prompts, promptText, codes, text, [1, 2, 3, 0], 10, seed: 5, batchSize: 3);
        Assert.NotEqual(same, other);
    }

    [Fact]
    public void TheStartStateVoiceDiagnosticHidesTheWholeRecording()
    {
        var model = Tiny("resgen");
        model.Module.eval();
        var (prompts, promptText, codes, text) = VoiceCases();
        (double, double) Check(long seed, bool whole) => ResGen.Evaluation.Speech.TtsEvaluation.VoiceSensitivity(model, prompts, promptText, codes, text, [1, 2, 3, 0], 10,
            seed, batchSize: 3, repeats: 1, wholeTarget: whole);
        // every depth of every recorded position masked: nothing is left to chance, unlike training's random masks
        Assert.Equal(Check(5, true), Check(6, true));
        Assert.NotEqual(Check(5, false), Check(6, false));
        Assert.NotEqual(Check(5, true), Check(5, false));
        var (own, other) = Check(5, true);
        Assert.NotEqual(own, other);
    }

    [Fact]
    public void StartStateShareTrainsPromptedExamplesInTheSamplersStartState()
    {
        var kind = GeneratorKinds.Find("resgen");
        IGenerator Build(double share)
        {
            torch.manual_seed(3);
            var cfg = kind.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.condition=text", $"model.text.vocabulary={Vocab}",
                "model.text.layers=1", $"model.start_state_share={share}"]).WithTokens(Layout, "");
            return kind.Build(cfg, Quantizer());
        }
        var (tokens, text) = Speech(4, new Generator(2));
        var prompted = tokens with { PromptLengths = torch.tensor(new long[] { 1, 2, 1, 2 }) };
        float Nll(IGenerator m, TokenBatch b, long seed) => m.Loss(b, text, new Generator((ulong)seed)).Parts.First(p => p.Name == "nll").Value.item<float>();
        using var _ = torch.no_grad();
        var always = Build(1);
        var never = Build(0);
        always.Module.eval();
        never.Module.eval();
        // share 1: every prompted example is scored with all of its target masked, whatever the random draws
        float start = Nll(never, prompted with { WholeTarget = true }, 0);
        Assert.Equal(start, Nll(always, prompted, 0), 5);
        Assert.Equal(start, Nll(always, prompted, 1), 5);
        Assert.NotEqual(Nll(never, prompted, 0), Nll(never, prompted, 1));
        // without prompts the share does nothing
        Assert.Equal(Nll(never, tokens, 0), Nll(always, tokens, 0), 5);
    }

    [Fact]
    public void WholeCountsMaskEveryDepthOfTheTakingPartPositionsOnly()
    {
        var lengths = torch.tensor(new long[] { 2, 4 });
        TensorAssert.Equal(torch.tensor(new long[,] { { 3, 3, 0, 0 }, { 3, 3, 3, 3 } }), DepthMasking.WholeCounts(2, 4, 3, torch.CPU, lengths));
        var maskable = torch.tensor(new[,] { { false, true, true, false }, { false, false, false, true } });
        TensorAssert.Equal(torch.tensor(new long[,] { { 0, 3, 3, 0 }, { 0, 0, 0, 3 } }), DepthMasking.WholeCounts(2, 4, 3, torch.CPU, lengths, maskable));
    }

    [Fact]
    public void KnownSummaryReadsOnlyWhollyVisiblePositions()
    {
        torch.manual_seed(3);
        var kind = GeneratorKinds.Find("resgen");
        var cfg = kind.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.condition=text", $"model.text.vocabulary={Vocab}",
            "model.text.layers=1", "model.known_summary=true"]).WithTokens(Layout, "");
        var model = (ResGenModel)kind.Build(cfg, Quantizer());
        Assert.DoesNotContain(GeneratorKinds.Find("resgen").Build(GeneratorKinds.Find("resgen").LoadConfig(null, ["model.condition=text", $"model.text.vocabulary={Vocab}"])
            .WithTokens(Layout, ""), Quantizer()).Module.named_parameters(), p => p.name.StartsWith("known_summary", StringComparison.Ordinal));   // off by default: old checkpoints load
        model.Module.eval();
        using var _ = torch.no_grad();
        foreach (var p in model.Module.parameters()) p.add_(torch.randn_like(p) * 0.05f);   // adaLN starts at zero: give the vector an effect
        var (tokens, text) = Speech(2, new Generator(2));
        var x = torch.randn(2, L, Dz, generator: new Generator(4));
        var allMasked = torch.ones(2, L, ScalarType.Int64);
        var someVisible = allMasked.clone();
        someVisible[.., 0] = torch.tensor(0L);
        Tensor Means(Tensor k) => model.Network.forward(x, k, tokens.Valid, text).Means;
        var (masked1, visible1) = (Means(allMasked), Means(someVisible));
        model.Module.named_parameters().Single(p => p.name == "known_summary.weight").parameter.zero_();
        var (masked2, visible2) = (Means(allMasked), Means(someVisible));
        TensorAssert.Equal(masked1, masked2);                    // nothing wholly visible: the summary's weights do not matter
        Assert.False(visible1.allclose(visible2), "a wholly visible position must reach the summary");
    }

    [Fact]
    public void CachedAndUncachedRqSamplingAgreeOnText()
    {
        var model = (RqTransformerModel)Tiny("rq-transformer");
        var (tokens, text) = Speech(2, new Generator(4));
        var request = new SampleRequest(text, new SamplerSettings { Guidance = 1f }) { Lengths = tokens.Lengths };
        var a = model.Sample(request, new Generator(9), useCache: true);
        var b = model.Sample(request, new Generator(9), useCache: false);
        TensorAssert.Equal(a.Indices, b.Indices);
    }

    /// <summary>
    /// Trains a tiny model of <paramref name="kind"/> for 300 Adam steps on <paramref name="nextBatch"/> (latent
    /// scale from <paramref name="scaleSample"/>, losses drawn from <paramref name="lossGenerator"/>), then samples
    /// <paramref name="test"/>'s lengths from its condition: the share of real frames whose depth-0 code is right.
    /// </summary>
    static double TrainedAccuracy(string kind, TokenBatch scaleSample, Func<(TokenBatch Tokens, PhonemeCondition Text)> nextBatch, Generator lossGenerator,
        Func<(TokenBatch Tokens, PhonemeCondition Text)> test)
    {
        var model = Tiny(kind, perturb: false);
        ((ILatentScaled)model).SetLatentScale(LatentScaleBuffer.Measure(Quantizer(), scaleSample.Indices));
        var opt = torch.optim.Adam(model.Module.parameters(), lr: 1e-3);
        model.Module.train();
        for (int step = 0; step < 300; step++)
        {
            using var scope = torch.NewDisposeScope();
            var (tokens, text) = nextBatch();
            opt.zero_grad();
            model.Loss(tokens, text, lossGenerator).Loss.backward();
            torch.nn.utils.clip_grad_norm_(model.Module.parameters(), 1.0);
            opt.step();
        }
        var (truth, condition) = test();
        var r = model.Sample(new SampleRequest(condition, new SamplerSettings { Steps = 4, Guidance = 0 }) { Lengths = truth.Lengths }, new Generator(3));
        var valid = truth.Valid!;
        return (r.Indices.select(2, 0) == truth.Indices.select(2, 0)).logical_and(valid).sum().item<long>() / (double)valid.sum().item<long>();
    }

    [Theory]
    [InlineData("resgen")]
    [InlineData("rq-transformer")]
    public void TextModelsLearnToSayTheText(string kind)
    {
        var data = new Generator(10);
        double accuracy = TrainedAccuracy(kind, Speech(256, new Generator(1)).Tokens, () => Speech(32, data), data, () => Speech(64, new Generator(99)));
        // sampled frames must say the phonemes of the text (chance: 1 in 5)
        Assert.True(accuracy > 0.5, $"{kind}: {accuracy:P0} of the frames say the phoneme of the text");
    }

    /// <summary>
    /// Like <see cref="Speech"/> but each phoneme lasts 1 to 3 frames, and the condition carries when each
    /// starts: an even spread is wrong for most frames, the aligned input right for all.
    /// </summary>
    static (TokenBatch Tokens, PhonemeCondition Text) IrregularSpeech(int batch, Random rng)
    {
        var ids = new List<IReadOnlyList<int>>();
        var starts = new List<IReadOnlyList<float>>();
        var indices = new long[batch * L * D];
        var frames = new long[batch];
        for (int b = 0; b < batch; b++)
        {
            var said = new List<int>();
            var at = new List<float>();
            int f = 0, p = rng.Next(3, 7);
            for (int i = 0; i < p && f < L; i++)
            {
                int id = rng.Next(1, Vocab), duration = rng.Next(1, 4);
                said.Add(id);
                at.Add(f);
                for (int k = 0; k < duration && f < L; k++, f++)
                {
                    indices[((b * L) + f) * D] = id;
                    indices[((b * L) + f) * D + 1] = rng.Next(K);
                }
            }
            frames[b] = f;
            ids.Add(said);
            starts.Add([.. at.Select(v => v / f)]);
        }
        return (new TokenBatch(torch.tensor(indices, [batch, L, D]), torch.tensor(frames)), PhonemeCondition.Of(ids, starts: starts));
    }

    [Theory]
    [InlineData("resgen")]
    [InlineData("rq-transformer")]
    public void TextModelsLearnUnevenTimingFromAlignedStarts(string kind)
    {
        var rng = new Random(10);
        double accuracy = TrainedAccuracy(kind, IrregularSpeech(256, new Random(1)).Tokens, () => IrregularSpeech(32, rng), new Generator(10),
            () => IrregularSpeech(64, new Random(99)));
        Assert.True(accuracy > 0.5, $"{kind}: {accuracy:P0} of the frames say the phoneme spoken at their moment");
    }

    [Fact]
    public void ProgressFractionsFollowEachLength()
    {
        var f = ProgressEmbedding.Fractions(torch.tensor(new long[] { 4, 2 }), 1, 2);
        Assert.True(TensorAssert.MaxDiff(torch.tensor(new float[,] { { 0.375f, 0.625f }, { 0.75f, 1.25f } }), f) < 1e-6);
    }

    [Theory]
    [InlineData("maskgit")]
    [InlineData("ar-resgen")]
    public void KindsWithoutTextSayWhich(string kind)
    {
        var k = GeneratorKinds.Find(kind);
        var cfg = k.LoadConfig(null, ["model.condition=text", $"model.text.vocabulary={Vocab}"]).WithTokens(Layout, "");
        var e = Assert.Throws<UserErrorException>(() => k.Build(cfg, Quantizer()));
        Assert.Contains("cannot be conditioned on text", e.Message);
    }
}
