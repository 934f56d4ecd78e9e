using ResGen.Conditioning;
using ResGen.Generation.Mixture;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation;

/// <summary>
/// ResGen's bidirectional transformer over the L positions. Input per position: a projection of
/// the visible embedding sum, an embedding of the masked count k_i, a position embedding (row +
/// column on a grid, 1-D on a sequence); the condition conditions every block through adaLN (a
/// text condition also through cross-attention, with the progress j/L of each position added to its
/// input); padded positions are hidden from attention. Output: a mixture of Gaussians over the masked
/// embedding sum, in the tokenizer's latent units.
/// </summary>
public sealed class ResGenNetwork : nn.Module, IGeneratorNetwork
{
    readonly MaskedInput input;
    readonly ClassEmbedding? class_emb;
    readonly TextEncoder? text_enc;
    readonly TransformerStack transformer;
    readonly Module<Tensor, MixtureParams> head;
    readonly Linear? known_summary;
    // Spread of the tokenizer's latents: inputs are divided by it and outputs scaled back.
    readonly Tensor latent_scale;
    // With target_scaling per_count: the spread of the masked sum at each masked count k = 0..D, the output unit.
    readonly Tensor? count_scale;

    public ResGenNetwork(ResGenModelConfig model, TokenLayout layout) : base("resgen")
    {
        model.Validate();
        layout.Validate();
        Model = model;
        Layout = layout;
        int w = model.Width;
        input = new MaskedInput(layout, w);
        (class_emb, text_enc) = ConditionEncoders.Build(model, "resgen");
        transformer = new TransformerStack(w, model.Layers, model.Heads, model.MlpRatio, model.Dropout, causal: false, crossAttention: text_enc is not null);
        head = model.Head == MixtureHeadKind.Affine
            ? new AffineMixtureHead(w, model.HeadRank, model.MixtureComponents, layout.CodeDim)
            : new MixtureHead(w, model.HeadRank, model.MixtureComponents, layout.CodeDim);
        if (model.KnownSummary) known_summary = Linear(w, w);
        latent_scale = LatentScaleBuffer.Create();
        register_buffer(nameof(latent_scale), latent_scale);
        if (model.TargetScaling == TargetScaling.PerCount)
        {
            count_scale = torch.ones(layout.Depth + 1);
            register_buffer(nameof(count_scale), count_scale);
        }
        RegisterComponents();
    }

    public ResGenModelConfig Model { get; }
    public TokenLayout Layout { get; }

    public void SetLatentScale(float scale) => LatentScaleBuffer.Set(latent_scale, scale);

    /// <summary>Whether the outputs are in per-count units (<see cref="TargetScaling.PerCount"/>), set by <see cref="SetCountScales"/>.</summary>
    public bool CountScaled => count_scale is not null;

    /// <summary>Sets the spread of the masked sum at each masked count k = 1..D (<paramref name="scales"/>[k − 1]); per-count scaling only.</summary>
    public void SetCountScales(IReadOnlyList<float> scales)
    {
        if (count_scale is null) throw new InvalidOperationException("this network scales its targets globally (target_scaling global)");
        if (scales.Count != Layout.Depth) throw new ArgumentException($"expected {Layout.Depth} scales, got {scales.Count}", nameof(scales));
        if (scales.Any(v => !(v > 0) || float.IsInfinity(v))) throw new ArgumentOutOfRangeException(nameof(scales), "masked-sum scales must be positive and finite");
        using var _ = torch.no_grad();
        using var values = torch.tensor([1f, .. scales]);
        count_scale.copy_(values);
    }

    /// <summary>The network as a sampler calls it (see <see cref="MixtureNetwork"/>); in training mode labels may be dropped.</summary>
    /// <param name="rows">Positions [B, N] at which to compute the mixture head (null: all L); the transformer always reads all.</param>
    public MixtureParams forward(Tensor visibleSum, Tensor maskedCount, Tensor? valid, Condition condition, Generator? generator = null, Tensor? rows = null)
    {
        var x = input.forward(visibleSum / latent_scale, maskedCount);
        long b = x.shape[0], l = x.shape[1];
        var c = ConditionEncoders.Encode(class_emb, text_enc, condition, generator);
        if (known_summary is not null)
        {
            var known = (maskedCount == 0).logical_and(valid ?? torch.ones_like(maskedCount, dtype: ScalarType.Bool)).unsqueeze(-1).to(x.dtype);   // [B, L, 1]
            var mean = (x * known).sum(1) / known.sum(1).clamp_min(1);
            c = c with { Vector = c.Vector + functional.silu(known_summary.forward(mean)) };
        }
        Tensor? bias = null;
        if (ConditionEncoders.Fractions(text_enc, valid?.sum(1), b, l, 0, l, x.device) is { } f)
        {
            x = x + text_enc!.Progress(f) + text_enc.Aligned(f, c);
            bias = text_enc.AlignmentBias(f, c);
        }
        var h = transformer.forward(x, c.Vector, valid, context: c.Context, contextValid: c.ContextValid, contextBias: bias);
        if (rows is not null) h = h.gather(1, rows.unsqueeze(-1).expand(-1, -1, h.shape[2]));
        var p = head.forward(h);
        if (count_scale is null) return p.Scaled(latent_scale);
        var k = rows is null ? maskedCount : maskedCount.gather(1, rows);
        return p.Scaled(count_scale.index_select(0, k.reshape(-1)).reshape(k.shape));     // [B, N]
    }
}
