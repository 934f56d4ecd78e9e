using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Nn;

/// <summary>What a block's attention sees besides its input: masks, a KV cache, a context to cross-attend to.</summary>
/// <param name="Mask">Self-attention mask from <see cref="Attention.Mask"/> (null: every key).</param>
/// <param name="Cache">Keys and values of earlier positions (autoregressive sampling); the block appends its new ones.</param>
/// <param name="Context">Sequence to cross-attend to [B, Lc, W] (e.g. encoded text); null = none.</param>
/// <param name="ContextMask">Cross-attention mask [B, 1, 1, Lc] (true = attend), or a float bias added to its logits [B, H or 1, Lq, Lc]; null = every context position.</param>
public sealed record AttentionContext(Tensor? Mask = null, KvCache? Cache = null, Tensor? Context = null, Tensor? ContextMask = null)
{
    public static readonly AttentionContext None = new();
}

/// <summary>
/// Pre-norm transformer block conditioned by adaptive layer norm (adaLN-zero): a per-example
/// condition vector sets the shift, scale and gate of the attention and MLP sub-layers; the gates
/// start at zero so every block starts as the identity. Self-attention follows the mask it is given
/// (causal, key padding) and appends to an optional KV cache; an optional cross-attention sub-layer
/// reads a context sequence (its output projection starts at zero).
/// </summary>
public sealed class TransformerBlock : nn.Module
{
    readonly LayerNorm norm1, norm2;
    readonly Linear qkv, proj, fc1, fc2, ada;
    readonly LayerNorm? norm_x;
    readonly Linear? q_x, kv_x, proj_x;
    readonly Dropout drop;
    readonly int heads;

    public TransformerBlock(int width, int heads, float mlpRatio, float dropout, bool crossAttention = false) : base("block")
    {
        if (heads < 1 || width % heads != 0) throw new ArgumentException($"heads must divide width, got {heads} and {width}");
        this.heads = heads;
        int hidden = (int)Math.Round(width * mlpRatio);
        norm1 = Norms.Layer(width, affine: false);
        qkv = Linear(width, 3 * width);
        proj = Linear(width, width);
        if (crossAttention)
        {
            norm_x = Norms.Layer(width);
            q_x = Linear(width, width);
            kv_x = Linear(width, 2 * width);
            proj_x = Linear(width, width);
            using (torch.no_grad()) { proj_x.weight!.zero_(); proj_x.bias!.zero_(); }
        }
        norm2 = Norms.Layer(width, affine: false);
        fc1 = Linear(width, hidden);
        fc2 = Linear(hidden, width);
        drop = Dropout(dropout);
        ada = Linear(width, 6 * width);
        using (torch.no_grad()) { ada.weight!.zero_(); ada.bias!.zero_(); }
        RegisterComponents();
    }

    /// <param name="x">Tokens [B, L, W] (with a cache: only the new positions).</param>
    /// <param name="cond">Condition [B, W] (already passed through SiLU).</param>
    /// <param name="layer">This block's index (its slot in the KV cache).</param>
    /// <param name="context">Masks, cache and cross-attention context.</param>
    public Tensor forward(Tensor x, Tensor cond, int layer, AttentionContext context)
    {
        var m = ada.forward(cond).unsqueeze(1).chunk(6, -1);   // each [B, 1, W]
        var h = Modulate(Norms.Apply(norm1, x), m[0], m[1]);
        x = x + m[2] * drop.forward(SelfAttention(h, layer, context));
        if (q_x is not null && context.Context is not null) x = x + drop.forward(CrossAttention(Norms.Apply(norm_x!, x), context));
        h = Modulate(Norms.Apply(norm2, x), m[3], m[4]);
        x = x + m[5] * drop.forward(fc2.forward(functional.gelu(fc1.forward(h))));
        return x;
    }

    /// <summary>x · (1 + scale) + shift.</summary>
    public static Tensor Modulate(Tensor x, Tensor shift, Tensor scale) => x * (1 + scale) + shift;

    Tensor SelfAttention(Tensor h, int layer, AttentionContext context)
    {
        var parts = qkv.forward(h).chunk(3, -1);
        Tensor q = Attention.SplitHeads(parts[0], heads), k = Attention.SplitHeads(parts[1], heads), v = Attention.SplitHeads(parts[2], heads);
        if (context.Cache is { } cache) (k, v) = cache.Append(layer, k, v);
        return proj.forward(Attention.MergeHeads(Attention.Compute(q, k, v, context.Mask)));
    }

    Tensor CrossAttention(Tensor h, AttentionContext context)
    {
        var q = Attention.SplitHeads(q_x!.forward(h), heads);
        var kv = kv_x!.forward(context.Context!).chunk(2, -1);
        var o = Attention.Compute(q, Attention.SplitHeads(kv[0], heads), Attention.SplitHeads(kv[1], heads), context.ContextMask);
        return proj_x!.forward(Attention.MergeHeads(o));
    }
}
