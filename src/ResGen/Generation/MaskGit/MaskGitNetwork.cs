using ResGen.Conditioning;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.MaskGit;

/// <summary>
/// The token-wise masked model's network: ResGen's inputs (visible embedding sum, masked count,
/// position, class through adaLN) and bidirectional transformer, but the output is one softmax over
/// the K codes for every depth of every position, [B, L, D, K] (through a low-rank projection).
/// </summary>
public sealed class MaskGitNetwork : nn.Module, IGeneratorNetwork
{
    readonly MaskedInput input;
    readonly ClassEmbedding class_emb;
    readonly TransformerStack transformer;
    readonly Linear head_down, head_up;
    readonly Tensor latent_scale;

    public MaskGitNetwork(MaskGitModelConfig model, TokenLayout layout) : base("maskgit")
    {
        model.Validate();
        layout.Validate();
        Model = model;
        Layout = layout;
        int w = model.Width;
        input = new MaskedInput(layout, w);
        class_emb = ConditionEncoders.Build(model, "maskgit", textSupported: false).Classes!;
        transformer = new TransformerStack(w, model.Layers, model.Heads, model.MlpRatio, model.Dropout, causal: false);
        head_down = Linear(w, model.HeadRank, hasBias: false);
        head_up = Linear(model.HeadRank, layout.Depth * layout.CodebookSize);
        latent_scale = LatentScaleBuffer.Create();
        register_buffer(nameof(latent_scale), latent_scale);
        RegisterComponents();
    }

    public MaskGitModelConfig Model { get; }
    public TokenLayout Layout { get; }

    public void SetLatentScale(float scale) => LatentScaleBuffer.Set(latent_scale, scale);

    /// <summary>Logits [B, L, D, K] of every depth's code, from the visible sums [B, L, d_z] and masked counts [B, L].</summary>
    public TokenLogits forward(Tensor visibleSum, Tensor maskedCount, Tensor? valid, Condition condition, Generator? generator = null)
    {
        long b = visibleSum.shape[0], l = visibleSum.shape[1];
        var x = input.forward(visibleSum / latent_scale, maskedCount);
        var c = functional.silu(class_emb.Encode(condition, generator));
        var h = transformer.forward(x, c, valid);
        return new TokenLogits(head_up.forward(head_down.forward(h)).reshape(b, l, Layout.Depth, Layout.CodebookSize));
    }
}
