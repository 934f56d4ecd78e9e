using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Tokens;

[Collection(TorchCollection.Name)]
public sealed class ImageTokenizerTests
{
    internal static ImageTokenizer Tiny(int depth = 3)
        => new(new ImageTokenizerConfig { HiddenChannels = [4, 8, 8] }, new RvqConfig { Depth = depth, CodebookSize = 16, CodeDim = 4 });

    [Fact]
    public void FreshModulesHaveFiniteParameters()
    {
        torch.manual_seed(0);
        var tok = Tiny();
        foreach (var (name, p) in tok.named_parameters())
        {
            Assert.False(p.isnan().any().item<bool>(), $"{name} has NaN");
            Assert.True(p.abs().max().item<float>() < 10f, $"{name} is out of scale");
        }
    }

    [Fact]
    public void EvalForwardEqualsDecodeOfEncode()
    {
        torch.manual_seed(1);
        var tok = Tiny();
        var x = torch.rand(4, 1, 28, 28, generator: new Generator(1)) * 2 - 1;
        tok.train();
        tok.Forward(x, new Generator(2));        // initialises the codebooks
        tok.eval();
        var idx = tok.Encode(x);
        Assert.Equal(new long[] { 4, 49, 3 }, idx.shape);
        using var _ = torch.no_grad();
        var out1 = tok.Forward(x).Reconstruction;
        TensorAssert.Equal(out1, tok.Decode(idx));
    }

    [Fact]
    public void ConfigRejectsShapesThatDoNotFit()
    {
        Assert.Throws<UserErrorException>(() => new ImageTokenizerConfig { Downsample = 3 }.Validate());
        Assert.Throws<UserErrorException>(() => new ImageTokenizerConfig { ImageSize = 30 }.Validate());
        Assert.Throws<UserErrorException>(() => new ImageTokenizerConfig { HiddenChannels = [8, 8] }.Validate());
        new ImageTokenizerConfig { ImageSize = 256, Channels = 3, Downsample = 32, HiddenChannels = [8, 8, 8, 8, 8, 8] }.Validate();
    }

    [Fact]
    public void RgbAndLargerImagesNeedOnlyAConfig()
    {
        var tok = new ImageTokenizer(new ImageTokenizerConfig { ImageSize = 64, Channels = 3, Downsample = 8, HiddenChannels = [4, 4, 4, 4] },
                                     new RvqConfig { Depth = 2, CodebookSize = 8, CodeDim = 4 });
        tok.eval();
        var idx = tok.Encode(torch.zeros(2, 3, 64, 64));
        Assert.Equal(new long[] { 2, 64, 2 }, idx.shape);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, tok.Decode(idx).shape);
    }
}
