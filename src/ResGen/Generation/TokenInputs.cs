using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation;

/// <summary>
/// What the masked models (ResGen, token-wise) read at each position: a projection of the summed
/// embedding of its visible tokens (already divided by the latent scale), an embedding of how many
/// of its depths are masked, and a position embedding. [B, L, d_z] and [B, L] → [B, L, W].
/// </summary>
public sealed class MaskedInput : nn.Module
{
    readonly Linear in_proj;
    readonly Embedding count_emb;
    readonly Module<Tensor, Tensor> pos;

    public MaskedInput(TokenLayout layout, int width) : base("masked_input")
    {
        in_proj = Linear(layout.CodeDim, width);
        count_emb = Embedding(layout.Depth + 1, width);
        pos = PositionEmbedding.For(layout, width);
        using (torch.no_grad()) init.normal_(count_emb.weight!, 0, 0.02);
        RegisterComponents();
    }

    public Tensor forward(Tensor visibleSum, Tensor maskedCount)
        => in_proj.forward(visibleSum.to(in_proj.weight!.dtype)) + count_emb.forward(maskedCount)
           + pos.forward(torch.arange(visibleSum.shape[1], device: visibleSum.device)).unsqueeze(0);
}

/// <summary>
/// What the autoregressive models (AR-ResGen, the RQ-Transformer's spatial transformer) read at
/// positions first..first+n−1: a projection of the summed embedding of the position before each
/// (already divided by the latent scale; a learned start vector at position 0) plus a position
/// embedding. [B, n, d_z] → [B, n, W].
/// </summary>
public sealed class ShiftedInput : nn.Module
{
    readonly Linear in_proj;
    readonly Parameter start;
    readonly Module<Tensor, Tensor> pos;

    public ShiftedInput(TokenLayout layout, int width) : base("shifted_input")
    {
        in_proj = Linear(layout.CodeDim, width);
        start = Parameter(torch.randn(width) * 0.02f);
        pos = PositionEmbedding.For(layout, width);
        RegisterComponents();
    }

    /// <summary>
    /// What a sampler feeds for position <paramref name="i"/> of <paramref name="indices"/> [B, L, D]: with a
    /// KV cache only the summed embedding of position i−1 ([B, 1, d_z]; zeros at i = 0, replaced by the
    /// start vector), without one those of every position up to i ([B, i+1, d_z]).
    /// </summary>
    public static Tensor PreviousSums(ResidualVectorQuantizer quantizer, Tensor indices, int i, bool cached)
    {
        var zeros = torch.zeros(indices.shape[0], 1, quantizer.CodeDim, device: indices.device);
        if (i == 0) return zeros;
        return cached ? quantizer.Decode(indices.narrow(1, i - 1, 1)) : torch.cat([zeros, quantizer.Decode(indices.narrow(1, 0, i))], 1);
    }

    public Tensor forward(Tensor previousSums, long first)
    {
        long n = previousSums.shape[1];
        var positions = torch.arange(first, first + n, device: previousSums.device);
        var x = in_proj.forward(previousSums.to(in_proj.weight!.dtype));
        return torch.where((positions == 0).reshape(1, n, 1), start.reshape(1, 1, -1), x) + pos.forward(positions).unsqueeze(0);
    }
}
