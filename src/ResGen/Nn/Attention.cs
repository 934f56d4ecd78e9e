using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Nn;

/// <summary>
/// Multi-head scaled dot-product attention with the masks every model here needs: a causal mask
/// (a query sees keys up to its own position, counted after what a <see cref="KvCache"/> already
/// holds) and a key-padding mask (padded positions are never attended to).
/// </summary>
public static class Attention
{
    /// <summary>[B, L, H·dh] → [B, H, L, dh].</summary>
    public static Tensor SplitHeads(Tensor x, int heads)
    {
        long b = x.shape[0], l = x.shape[1], w = x.shape[2];
        return x.reshape(b, l, heads, w / heads).transpose(1, 2);
    }

    /// <summary>[B, H, L, dh] → [B, L, H·dh].</summary>
    public static Tensor MergeHeads(Tensor x)
    {
        long b = x.shape[0], h = x.shape[1], l = x.shape[2], d = x.shape[3];
        return x.transpose(1, 2).reshape(b, l, h * d);
    }

    /// <summary>
    /// Which keys each query may attend to, [B or 1, 1, Lq, Lk] (true = attend), or null when all may.
    /// </summary>
    /// <param name="queries">Lq, the new positions.</param>
    /// <param name="keys">Lk, all key positions (cached ones first).</param>
    /// <param name="causal">Query i (at absolute position keys − queries + i) sees keys up to its own position.</param>
    /// <param name="keyValid">[B, Lk] true at real (not padded) key positions; null = all real.</param>
    public static Tensor? Mask(long queries, long keys, bool causal, Tensor? keyValid, Device device)
    {
        Tensor? mask = null;
        // one new query after the cached keys sees all of them: no mask (lets the fastest kernels run)
        if (causal && queries > 1)
        {
            long offset = keys - queries;
            var q = torch.arange(queries, device: device).unsqueeze(1) + offset;
            var k = torch.arange(keys, device: device).unsqueeze(0);
            mask = (k <= q).unsqueeze(0).unsqueeze(0);                    // [1, 1, Lq, Lk]
        }
        if (keyValid is not null)
        {
            if (keyValid.dim() != 2 || keyValid.shape[1] != keys)
                throw new ArgumentException($"key-padding mask must be [B, {keys}], got [{string.Join(", ", keyValid.shape)}]");
            var pad = keyValid.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1);   // [B, 1, 1, Lk]
            mask = mask is null ? pad.expand(-1, 1, queries, keys) : mask.logical_and(pad);
        }
        return mask;
    }

    /// <summary>Attention of q [B, H, Lq, dh] over k, v [B, H, Lk, dh] under an optional mask from <see cref="Mask"/>.</summary>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor? mask)
        => functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
}
