using TorchSharp;
using TorchSharp.Modules;
using ResGen.Nn;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation;

/// <summary>
/// Bidirectional pre-norm transformer block conditioned by adaptive layer norm (adaLN-zero):
/// a per-example condition vector sets the shift, scale and gate of both sub-layers; the gates
/// start at zero so every block starts as the identity.
/// </summary>
public sealed class TransformerBlock : Module<Tensor, Tensor, Tensor>
{
    readonly LayerNorm norm1, norm2;
    readonly Linear qkv, proj, fc1, fc2, ada;
    readonly Dropout drop;
    readonly int heads;

    public TransformerBlock(int width, int heads, float mlpRatio, float dropout) : base("block")
    {
        if (width % heads != 0) throw new ArgumentException($"heads must divide width, got {heads} and {width}");
        this.heads = heads;
        int hidden = (int)Math.Round(width * mlpRatio);
        norm1 = Norms.Layer(width, affine: false);
        qkv = Linear(width, 3 * width);
        proj = Linear(width, width);
        norm2 = Norms.Layer(width, affine: false);
        fc1 = Linear(width, hidden);
        fc2 = Linear(hidden, width);
        drop = Dropout(dropout);
        ada = Linear(width, 6 * width);
        using (torch.no_grad()) { ada.weight!.zero_(); ada.bias!.zero_(); }
        RegisterComponents();
    }

    /// <param name="x">Tokens [B, L, W].</param>
    /// <param name="cond">Condition [B, W] (already passed through SiLU).</param>
    public override Tensor forward(Tensor x, Tensor cond)
    {
        var m = ada.forward(cond).unsqueeze(1).chunk(6, -1);   // each [B, 1, W]
        var h = Modulate(norm1.forward(x), m[0], m[1]);
        x = x + m[2] * drop.forward(Attention(h));
        h = Modulate(norm2.forward(x), m[3], m[4]);
        x = x + m[5] * drop.forward(fc2.forward(functional.gelu(fc1.forward(h))));
        return x;
    }

    /// <summary>x · (1 + scale) + shift.</summary>
    public static Tensor Modulate(Tensor x, Tensor shift, Tensor scale) => x * (1 + scale) + shift;

    Tensor Attention(Tensor h)
    {
        long b = h.shape[0], l = h.shape[1], w = h.shape[2];
        var parts = qkv.forward(h).reshape(b, l, 3, heads, w / heads).permute(2, 0, 3, 1, 4); // [3, B, H, L, dh]
        var o = functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
        return proj.forward(o.transpose(1, 2).reshape(b, l, w));
    }
}
