using ResGen.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Generation;

[Collection(TorchCollection.Name)]
public sealed class ConfidenceRevealTests
{
    const int D = 4;

    /// <summary>One step of 6 masked tokens over 2 steps of the cosine schedule: 5 stay masked, so one is revealed.</summary>
    static Tensor RevealOne(float visibleScore)
    {
        var visible = torch.tensor(new long[] { 2, 0 }).reshape(1, 2);
        var score = torch.tensor(new double[] { visibleScore, visibleScore, 5, 4, 1, 0.5, 0, -1 }).reshape(1, 2, D);
        var reveal = new ConfidenceReveal(visible, D, steps: 2, schedule: "cosine");
        return reveal.Reveal(1, score, visible, temperature: 0, new Generator(0));
    }

    [Theory]
    [InlineData(-100f)]
    [InlineData(0f)]
    [InlineData(100f)]
    public void WhatVisibleDepthsScoredNeverDecidesWhichTokenIsRevealed(float visibleScore)
    {
        // the surest masked token is position 0's depth 2 (5 against at most 1 elsewhere), whatever the
        // candidates at its already visible depths 0 and 1 were scored
        var after = RevealOne(visibleScore);
        Assert.Equal(new long[] { 3, 0 }, after.reshape(-1).data<long>().ToArray());
    }

    [Fact]
    public void AMaskedDepthIsNeverSurerThanTheMaskedDepthsBeforeIt()
    {
        // position 0's fine depths scored 9 but its coarsest masked depth −3: the kept tokens must form a
        // prefix, so position 1's depth 0 (0) goes first, then one of position 0 (its depth 0)
        var visible = torch.zeros(1, 2, ScalarType.Int64);
        var score = torch.tensor(new double[] { -3, 9, 9, 9, 0, -5, -5, -5 }).reshape(1, 2, D);
        var reveal = new ConfidenceReveal(visible, D, steps: 2, schedule: "cosine");
        var after = reveal.Reveal(1, score, visible, temperature: 0, new Generator(0));
        // 8 masked, n_1 = ⌈cos(π/4)·8⌉ = 6: two revealed
        Assert.Equal(new long[] { 1, 1 }, after.reshape(-1).data<long>().ToArray());
    }
}
