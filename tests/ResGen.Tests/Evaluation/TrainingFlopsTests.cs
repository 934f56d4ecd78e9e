using ResGen.Evaluation;
using ResGen.Generation;
using ResGen.Generation.ArResGen;
using ResGen.Generation.MaskGit;
using ResGen.Generation.RqTransformer;
using ResGen.Tokens;

namespace ResGen.Tests.Evaluation;

public sealed class TrainingFlopsTests
{
    // 2 positions × 2 depths, K = 4, d_z = 2; width 8, one block, MLP ratio 2
    static readonly TokenLayout Tokens = new() { GridHeight = 2, GridWidth = 1, Depth = 2, CodebookSize = 4, CodeDim = 2 };

    // One block over 2 tokens, counted by hand: per token qkv 2·8·24 + proj 2·8·8 + fc1 2·8·16 + fc2 2·16·8 = 1,024;
    // attention 2·2·2²·8 = 128; adaLN 2·8·48 = 768 once; the stack's output adaLN 2·8·16 = 256: 2·1,024 + 128 + 768 + 256.
    const double Stack = 3200;

    [Fact]
    public void EveryKindIsCountedAsByHand()
    {
        // ResGen, low-rank head (M = 2, rank 4): per position input 2·2·8 + head 2·8·4 + 2·4·(2·5) + likelihood 2·(2·2·2) = 192
        Assert.Equal(3 * (2 * 192 + Stack), TrainingFlops.PerStep(new ResGenModelConfig { Width = 8, Layers = 1, Heads = 1, MlpRatio = 2, MixtureComponents = 2, HeadRank = 4 }, Tokens, 1));
        // the affine head: 2·8·4 + 2·4·(2 + 4) instead of the low-rank head's outputs: 32 + 64 + 48 + 16 = 160 a position
        Assert.Equal(3 * (2 * 160 + Stack), TrainingFlops.PerStep(new ResGenModelConfig { Width = 8, Layers = 1, Heads = 1, MlpRatio = 2, MixtureComponents = 2, HeadRank = 4, Head = MixtureHeadKind.Affine }, Tokens, 1));
        // AR-ResGen: the same head and stack
        Assert.Equal(3 * (2 * 192 + Stack), TrainingFlops.PerStep(new ArResGenModelConfig { Width = 8, Layers = 1, Heads = 1, MlpRatio = 2, MixtureComponents = 2, HeadRank = 4 }, Tokens, 1));
        // token-wise: input 32 + head 2·8·4 + 2·4·(2·4) = 160 a position
        Assert.Equal(3 * (2 * 160 + Stack), TrainingFlops.PerStep(new MaskGitModelConfig { Width = 8, Layers = 1, Heads = 1, MlpRatio = 2, HeadRank = 4 }, Tokens, 1));
        // RQ-Transformer: spatial input 2·32 + spatial stack; at each position 2 slots of (2·2·8 + 2·8·4) and a depth stack over 2 slots
        Assert.Equal(3 * (64 + Stack + 2 * (2 * 96 + Stack)), TrainingFlops.PerStep(new RqTransformerModelConfig { Width = 8, Layers = 1, DepthLayers = 1, Heads = 1, MlpRatio = 2 }, Tokens, 1));
    }

    [Fact]
    public void FlopsGrowWithTheBatchAndTheComponents()
    {
        var m = new ResGenModelConfig();
        var layout = new TokenLayout { GridHeight = 7, GridWidth = 7, Depth = 8, CodebookSize = 256, CodeDim = 32 };
        Assert.Equal(4 * TrainingFlops.PerStep(m, layout, 32), TrainingFlops.PerStep(m, layout, 128), 6);
        var affine = m with { Head = MixtureHeadKind.Affine, MixtureComponents = 1024 };
        Assert.True(TrainingFlops.PerStep(affine, layout, 1) > TrainingFlops.PerStep(m, layout, 1));
        Assert.True(TrainingFlops.PerStep(affine, layout, 1) < 1.2 * TrainingFlops.PerStep(m, layout, 1));
    }
}
