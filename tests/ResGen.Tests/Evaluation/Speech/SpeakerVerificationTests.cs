using ResGen.Evaluation.Speech;
using ResGen.Tokens.Speech;
using TorchSharp;

namespace ResGen.Tests.Evaluation.Speech;

[Collection(TorchCollection.Name)]
public sealed class SpeakerVerificationTests
{
    [Fact]
    public void EqualErrorRateIsZeroForSeparatedScoresHalfForOverlappingAndOneForReversed()
    {
        Assert.Equal(0, SpeakerVerification.EqualErrorRate([0.9, 0.8, 0.7], [0.1, 0.2, 0.3]), 6);
        Assert.Equal(1, SpeakerVerification.EqualErrorRate([0.1, 0.2], [0.8, 0.9]), 6);
        // same and different drawn from one distribution: about 50 %
        var rng = new Random(1);
        var same = Enumerable.Range(0, 4000).Select(_ => rng.NextDouble()).ToList();
        var different = Enumerable.Range(0, 4000).Select(_ => rng.NextDouble()).ToList();
        Assert.InRange(SpeakerVerification.EqualErrorRate(same, different), 0.47, 0.53);
        // shifted by a known amount: uniform scores overlapping on half their range give 25 %
        var shifted = same.Select(x => x + 0.5).ToList();
        Assert.InRange(SpeakerVerification.EqualErrorRate(shifted, different), 0.22, 0.28);
    }

    [Fact]
    public void EmbeddingsAreUnitLengthAndIgnorePadding()
    {
        torch.manual_seed(2);
        var enc = new SpeakerEncoder(new SpeakerEncoderConfig { Channels = 16, Layers = 2, EmbeddingDim = 8, Speakers = 3 });
        enc.eval();
        using var _ = torch.no_grad();
        var x = torch.randn(1, 80, 50) - 5;
        var padded = torch.cat([x, torch.full(1, 80, 30, 9.0f)], 2);
        var a = enc.Embed(x);
        var b = enc.Embed(padded, torch.tensor(new long[] { 50 }));
        Assert.Equal(1.0, a.norm().item<float>(), 4);
        Assert.True(TensorAssert.MaxDiff(a, b) < 1e-5, "padding leaked into the embedding");
        var (loss, acc) = enc.Loss(a, torch.tensor(new long[] { 1 }));
        Assert.True(float.IsFinite(loss.item<float>()));
        Assert.InRange(acc.item<float>(), 0, 1);
    }
}
