using ResGen.Conditioning;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.RqTransformer;

/// <summary>What an RQ-Transformer sampler calls: the spatial and the depth transformer, each one causal step at a time.</summary>
public interface IRqNetwork
{
    /// <summary>A KV cache for the spatial transformer (<paramref name="positions"/> positions).</summary>
    KvCache NewSpatialCache(long positions);
    /// <summary>A KV cache for the depth transformer (D slots of one position).</summary>
    KvCache NewDepthCache();
    /// <summary>Encodes the condition once per sampling run (or per training batch).</summary>
    EncodedCondition Encode(Condition condition, Generator? generator = null);
    /// <summary>
    /// Spatial context [B, n, W] of positions first..first+n−1 from the summed embeddings of the positions before
    /// them [B, n, d_z]; <paramref name="lengths"/> [B] are the sequences' real lengths (null: all positions), which a
    /// text model needs for the progress of each position.
    /// </summary>
    Tensor Spatial(Tensor previousSums, long first, EncodedCondition condition, KvCache? cache, Tensor? lengths = null);
    /// <summary>
    /// Logits [B, n, K] of the codes of depth slots firstSlot..firstSlot+n−1 of one position: slot 0 reads the
    /// spatial context [B, W]; slot s ≥ 1 reads the cumulative sum of the position's codes of depths 0..s−1
    /// (<paramref name="cumulativeSums"/> [B, n, d_z], row for slot 0 ignored); <paramref name="condition"/> is the
    /// encoded condition's vector [B, W].
    /// </summary>
    TokenLogits Depth(Tensor context, Tensor cumulativeSums, int firstSlot, Tensor condition, KvCache? cache);
}

/// <summary>
/// The RQ-Transformer (Lee et al., CVPR 2022) on this project's tokens: a causal spatial transformer
/// over positions whose input at position i is the summed code embedding of position i−1 (a learned
/// start vector at i = 0) plus a position embedding, and a small causal depth transformer per
/// position whose input at slot 0 is the spatial context and at slot s the cumulative embedding of the
/// codes of depths 0..s−1, plus a depth embedding; a shared head gives the logits of the code at each
/// depth. Code embeddings are the tokenizer's own code vectors (the same inputs ResGen reads),
/// projected to the width. The condition's vector conditions every block of both stacks through adaLN;
/// a text condition is also cross-attended to by the spatial transformer, whose inputs then carry
/// the progress i/L of their position (the sequence's length is known before sampling, as for ResGen).
/// </summary>
public sealed class RqTransformerNetwork : nn.Module, IGeneratorNetwork, IRqNetwork
{
    readonly ShiftedInput input;
    readonly Linear depth_proj, head;
    readonly Embedding depth_emb;
    readonly ClassEmbedding? class_emb;
    readonly TextEncoder? text_enc;
    readonly TransformerStack spatial, depth;
    readonly Tensor latent_scale;

    public RqTransformerNetwork(RqTransformerModelConfig model, TokenLayout layout) : base("rq_transformer")
    {
        model.Validate();
        layout.Validate();
        Model = model;
        Layout = layout;
        int w = model.Width;
        input = new ShiftedInput(layout, w);
        (class_emb, text_enc) = ConditionEncoders.Build(model, "rq-transformer");
        spatial = new TransformerStack(w, model.Layers, model.Heads, model.MlpRatio, model.Dropout, causal: true, crossAttention: text_enc is not null);
        depth_proj = Linear(layout.CodeDim, w);
        depth_emb = Embedding(layout.Depth, w);
        depth = new TransformerStack(w, model.DepthLayers, model.Heads, model.MlpRatio, model.Dropout, causal: true);
        head = Linear(w, layout.CodebookSize);
        latent_scale = LatentScaleBuffer.Create();
        using (torch.no_grad()) init.normal_(depth_emb.weight!, 0, 0.02);
        register_buffer(nameof(latent_scale), latent_scale);
        RegisterComponents();
    }

    public RqTransformerModelConfig Model { get; }
    public TokenLayout Layout { get; }

    public void SetLatentScale(float scale) => LatentScaleBuffer.Set(latent_scale, scale);

    public KvCache NewSpatialCache(long positions) => spatial.NewCache(positions);
    public KvCache NewDepthCache() => depth.NewCache(Layout.Depth);

    public EncodedCondition Encode(Condition condition, Generator? generator = null) => ConditionEncoders.Encode(class_emb, text_enc, condition, generator);

    public Tensor Spatial(Tensor previousSums, long first, EncodedCondition condition, KvCache? cache, Tensor? lengths = null)
    {
        var x = input.forward(previousSums / latent_scale, first);
        long n = x.shape[1];
        Tensor? bias = null;
        if (ConditionEncoders.Fractions(text_enc, lengths, x.shape[0], Layout.Positions, first, n, x.device) is { } f)
        {
            x = x + text_enc!.Progress(f) + text_enc.Aligned(f, condition);
            bias = text_enc.AlignmentBias(f, condition);
        }
        return spatial.forward(x, condition.Vector, cache: cache, context: condition.Context, contextValid: condition.ContextValid, contextBias: bias);
    }

    public TokenLogits Depth(Tensor context, Tensor cumulativeSums, int firstSlot, Tensor condition, KvCache? cache)
    {
        long n = cumulativeSums.shape[1];
        var slots = torch.arange(firstSlot, firstSlot + n, device: cumulativeSums.device);
        var x = depth_proj.forward((cumulativeSums / latent_scale).to(depth_proj.weight!.dtype));
        x = torch.where((slots == 0).reshape(1, n, 1), context.unsqueeze(1), x) + depth_emb.forward(slots).unsqueeze(0);
        return new TokenLogits(head.forward(depth.forward(x, condition, cache: cache)));
    }
}
