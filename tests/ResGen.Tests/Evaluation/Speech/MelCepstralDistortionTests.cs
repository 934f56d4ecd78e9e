using ResGen.Audio;
using ResGen.Evaluation.Speech;
using ResGen.Tests.Audio;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Evaluation.Speech;

[Collection(TorchCollection.Name)]
public sealed class MelCepstralDistortionTests
{
    static Tensor LogMel(Tensor wave) => MelSpectrogram.FromWaveform(wave, new MelConfig());

    [Fact]
    public void AnUtteranceIsAtZeroFromItself()
    {
        var m = LogMel(TestSignals.Vowel(0.8));
        Assert.Equal(0, MelCepstralDistortion.Aligned(m, m), 9);
        Assert.Equal(0, MelCepstralDistortion.WithDtw(m, m), 6);   // cdist by products: rounding-level
    }

    [Fact]
    public void ARippleOfKnownSizeGivesTheClosedForm()
    {
        // x_n = A cos(π k (n + ½) / M) has c_k = A / 2, so MCD = 10 √2 / ln 10 · A / 2; a constant offset (c_0) is ignored
        const int m = 80, k = 5;
        const double a = 0.4;
        var n = torch.arange(m, dtype: ScalarType.Float64);
        var ripple = (a * torch.cos(Math.PI * k * (n + 0.5) / m)).to(ScalarType.Float32).unsqueeze(1).expand(m, 30);
        var x = torch.randn(m, 30, generator: new Generator(1));
        double expected = 10 * Math.Sqrt(2) / Math.Log(10) * a / 2;
        Assert.Equal(expected, MelCepstralDistortion.Aligned(x, x + ripple + 3.0f), 4);
        Assert.Equal(expected, MelCepstralDistortion.WithDtw(x + ripple, x), 4);
    }

    [Fact]
    public void ATimeStretchedCopyIsCloseUnderDtwAndAnotherSoundIsFar()
    {
        var a = LogMel(TestSignals.Vowel(1.0));
        var stretched = LogMel(TestSignals.Vowel(1.3));
        var other = LogMel(TestSignals.Vowel(1.0, voice: 1));
        double same = MelCepstralDistortion.WithDtw(a, stretched);
        double different = MelCepstralDistortion.WithDtw(a, other);
        Assert.True(same < 0.4 * different, $"stretched copy {same:F2} dB, another sound {different:F2} dB");
        // without warping, the frame-by-frame distance over the common frames is larger
        long t = a.shape[1];
        Assert.True(MelCepstralDistortion.Aligned(a, stretched[.., ..(int)t]) > 1.5 * same);
    }

    [Fact]
    public void ItIsSymmetric()
    {
        var a = LogMel(TestSignals.Vowel(0.9));
        var b = LogMel(TestSignals.Vowel(1.2, voice: 1) + TestSignals.Noise(1.2, 0.01, 2));
        double ab = MelCepstralDistortion.WithDtw(a, b), ba = MelCepstralDistortion.WithDtw(b, a);
        Assert.True(ab > 1);
        Assert.Equal(ab, ba, 1e-6 * ab);
    }

    [Fact]
    public void TheBatchedFormRespectsTheFrameMask()
    {
        var a = LogMel(torch.stack([TestSignals.Vowel(0.5), TestSignals.Vowel(0.5, voice: 1)]));
        var b = a.clone();
        b[1, .., 20..] += torch.randn(80, a.shape[2] - 20, generator: new Generator(3));   // damage the second utterance after frame 20 only
        var mask = torch.ones(2, a.shape[2], ScalarType.Bool);
        mask[1, 20..] = false;
        var mcd = MelCepstralDistortion.AlignedBatch(a, b, mask);
        Assert.True(mcd.abs().max().item<double>() < 1e-9);
        double unmasked = MelCepstralDistortion.AlignedBatch(a, b)[1].item<double>();
        Assert.True(unmasked > 0.3, $"unmasked MCD {unmasked:F3} dB");
    }

    [Fact]
    public void DtwFindsTheCheapestMonotonePath()
    {
        // 0 on the path (0,0) (1,0) (2,1) (2,2), 9 elsewhere
        double[] cost = [0, 9, 9,
                         0, 9, 9,
                         9, 0, 0];
        var r = DynamicTimeWarping.Align(cost, 3, 3);
        Assert.Equal(0, r.Cost);
        Assert.Equal(4, r.PathLength);
        var single = DynamicTimeWarping.Align([2.0, 4.0, 6.0], 1, 3);
        Assert.Equal((12.0, 3), (single.Cost, single.PathLength));
        Assert.Throws<ArgumentException>(() => DynamicTimeWarping.Align([1.0, 2.0], 2, 2));
    }
}
