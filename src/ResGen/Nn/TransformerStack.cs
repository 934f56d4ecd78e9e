using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Nn;

/// <summary>
/// A stack of adaLN transformer blocks and the final adaLN-modulated norm, bidirectional or causal.
/// Builds the attention mask once per call: causal (counting positions already in the KV cache) and
/// key padding; appends the new positions to the cache and commits them.
/// </summary>
public sealed class TransformerStack : nn.Module
{
    readonly ModuleList<TransformerBlock> blocks;
    readonly LayerNorm norm_out;
    readonly Linear ada_out;

    public TransformerStack(int width, int layers, int heads, float mlpRatio, float dropout, bool causal, bool crossAttention = false) : base("transformer")
    {
        if (layers < 1) throw new ArgumentException($"layers must be at least 1, got {layers}");
        Causal = causal;
        blocks = new ModuleList<TransformerBlock>();
        for (int i = 0; i < layers; i++) blocks.Add(new TransformerBlock(width, heads, mlpRatio, dropout, crossAttention));
        norm_out = Norms.Layer(width, affine: false);
        ada_out = Linear(width, 2 * width);
        using (torch.no_grad()) { ada_out.weight!.zero_(); ada_out.bias!.zero_(); }
        RegisterComponents();
    }

    public bool Causal { get; }

    /// <summary>A KV cache for this stack (causal stacks only), <paramref name="capacity"/> positions.</summary>
    public KvCache NewCache(long capacity)
        => Causal ? new KvCache(blocks.Count, capacity) : throw new InvalidOperationException("a bidirectional stack has no KV cache");

    /// <param name="x">New positions [B, n, W].</param>
    /// <param name="cond">Condition vector [B, W] (after SiLU).</param>
    /// <param name="keyValid">[B, cached + n] true at real positions (null: all real).</param>
    /// <param name="cache">Keys and values of earlier positions (causal stacks); the new ones are appended and committed.</param>
    /// <param name="context">Cross-attention context [B, Lc, W] (stacks built with cross-attention).</param>
    /// <param name="contextValid">[B, Lc] true at real context positions.</param>
    /// <param name="contextBias">Float bias added to the cross-attention logits [B, H or 1, n, Lc] (−∞ = never); replaces <paramref name="contextValid"/>.</param>
    public Tensor forward(Tensor x, Tensor cond, Tensor? keyValid = null, KvCache? cache = null, Tensor? context = null, Tensor? contextValid = null,
        Tensor? contextBias = null)
    {
        if (cache is not null && !Causal) throw new InvalidOperationException("a bidirectional stack cannot use a KV cache");
        long n = x.shape[1], keys = (cache?.Length ?? 0) + n;
        var mask = Attention.Mask(n, keys, Causal, keyValid, x.device);
        var contextMask = contextBias?.to(x.dtype) ?? contextValid?.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
        var ctx = mask is null && cache is null && context is null ? AttentionContext.None : new AttentionContext(mask, cache, context, contextMask);
        // each block's intermediates are freed when it ends (a dispose scope per block; autograd keeps what it
        // saved for backward): without it a forward holds every block's activations until the caller's scope
        // ends, and each sampling step pages in fresh memory for all of them
        var input = x;
        for (int i = 0; i < blocks.Count; i++)
        {
            var before = x;
            using (var scope = torch.NewDisposeScope()) x = blocks[i].forward(x, cond, i, ctx).MoveToOuterDisposeScope();
            if (!ReferenceEquals(before, input)) before.Dispose();
        }
        cache?.Advance(n);
        var m = ada_out.forward(cond).unsqueeze(1).chunk(2, -1);
        return TransformerBlock.Modulate(Norms.Apply(norm_out, x), m[0], m[1]);
    }
}
