using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Nn;

[Collection(TorchCollection.Name)]
public sealed class TransformerStackTests
{
    const int W = 16, L = 7;

    static TransformerStack Stack(bool causal, int seed = 0)
    {
        torch.manual_seed(seed);
        var s = new TransformerStack(W, layers: 2, heads: 2, mlpRatio: 2, dropout: 0, causal: causal);
        using (torch.no_grad())
            foreach (var p in s.parameters()) p.add_(torch.randn_like(p) * 0.1f);   // leave the zero-initialised gates
        s.eval();
        return s;
    }

    [Fact]
    public void CausalMaskHidesTheFuture()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var s = Stack(causal: true);
        var x = torch.randn(3, L, W, generator: new Generator(1));
        var c = torch.randn(3, W, generator: new Generator(2));
        var changed = x.clone();
        changed[.., 4..].copy_(torch.randn(3, L - 4, W, generator: new Generator(3)));
        var a = s.forward(x, c);
        var b = s.forward(changed, c);
        TensorAssert.Equal(a[.., ..4], b[.., ..4]);                       // bit-identical before the change
        Assert.True(TensorAssert.MaxDiff(a[.., 4..], b[.., 4..]) > 1e-3);  // and the change is seen after it
    }

    [Fact]
    public void BidirectionalStackSeesEveryPosition()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var s = Stack(causal: false);
        var x = torch.randn(2, L, W, generator: new Generator(1));
        var c = torch.randn(2, W, generator: new Generator(2));
        var changed = x.clone();
        changed[.., (L - 1)..].copy_(torch.randn(2, 1, W, generator: new Generator(3)));   // (a constant shift would vanish in the norms)
        Assert.True(TensorAssert.MaxDiff(s.forward(x, c)[.., 0], s.forward(changed, c)[.., 0]) > 1e-4);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PaddingNeverChangesTheOutputsAtRealPositions(bool causal)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var s = Stack(causal);
        var lengths = torch.tensor(new long[] { 4, 7, 2 });
        var x = torch.randn(3, L, W, generator: new Generator(5));
        var c = torch.randn(3, W, generator: new Generator(6));
        var valid = ResGen.Tokens.TokenBatch.ValidMask(lengths, L);
        var padded = s.forward(x, c, valid);
        var garbage = torch.where(valid.unsqueeze(-1), x, torch.randn(3, L, W, generator: new Generator(7)) * 100);
        var other = s.forward(garbage, c, valid);
        for (int e = 0; e < 3; e++)
        {
            int n = (int)lengths[e].item<long>();
            var alone = s.forward(x[e..(e + 1), ..n], c[e..(e + 1)]);
            Assert.True(TensorAssert.MaxDiff(alone, padded[e..(e + 1), ..n]) < 1e-5, $"example {e}: padding changed the outputs");
            Assert.True(TensorAssert.MaxDiff(padded[e..(e + 1), ..n], other[e..(e + 1), ..n]) < 1e-5, $"example {e}: padded inputs leaked");
        }
    }

    [Fact]
    public void KvCachedStepsEqualOneCausalPass()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var s = Stack(causal: true);
        var x = torch.randn(2, L, W, generator: new Generator(8));
        var c = torch.randn(2, W, generator: new Generator(9));
        var full = s.forward(x, c);
        using var cache = s.NewCache(L);
        var first = s.forward(x[.., ..3], c, cache: cache);                // a prompt of 3, then one at a time
        var parts = new List<Tensor> { first };
        for (int i = 3; i < L; i++) parts.Add(s.forward(x[.., i..(i + 1)], c, cache: cache));
        Assert.Equal(L, cache.Length);
        Assert.True(TensorAssert.MaxDiff(full, torch.cat(parts, 1)) < 1e-5);
    }

    [Fact]
    public void KvCacheRefusesMoreThanItsCapacity()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var s = Stack(causal: true);
        using var cache = s.NewCache(2);
        s.forward(torch.zeros(1, 2, W), torch.zeros(1, W), cache: cache);
        Assert.Throws<InvalidOperationException>(() => s.forward(torch.zeros(1, 1, W), torch.zeros(1, W), cache: cache));
        Assert.Throws<InvalidOperationException>(() => Stack(causal: false).NewCache(4));
    }

    [Fact]
    public void CrossAttentionReadsTheRealContextOnly()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(4);
        var s = new TransformerStack(W, layers: 1, heads: 2, mlpRatio: 2, dropout: 0, causal: false, crossAttention: true);
        var x = torch.randn(2, L, W, generator: new Generator(1));
        var c = torch.randn(2, W, generator: new Generator(2));
        var context = torch.randn(2, 5, W, generator: new Generator(3));
        var contextValid = ResGen.Tokens.TokenBatch.ValidMask(torch.tensor(new long[] { 5, 3 }), 5);
        // the cross-attention output projection starts at zero: the block ignores the context until trained
        TensorAssert.Equal(s.forward(x, c), s.forward(x, c, context: context, contextValid: contextValid));
        foreach (var p in s.parameters()) p.add_(torch.randn_like(p) * 0.1f);
        var a = s.forward(x, c, context: context, contextValid: contextValid);
        var other = context.clone();
        other[1, 3..].copy_(torch.randn(2, W, generator: new Generator(4)));   // padded context of example 1
        TensorAssert.Equal(a, s.forward(x, c, context: other, contextValid: contextValid));
        other[0, 0].add_(torch.randn(W, generator: new Generator(5)));           // real context of example 0
        Assert.True(TensorAssert.MaxDiff(a[0], s.forward(x, c, context: other, contextValid: contextValid)[0]) > 1e-4);
    }
}
