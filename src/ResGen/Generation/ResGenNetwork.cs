using TorchSharp;
using TorchSharp.Modules;
using ResGen.Nn;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation;

/// <summary>
/// The network a sampler calls: for every position, the summed embedding of its visible tokens
/// [B, L, d_z] and its masked count k [B, L], plus the class [B] (the null class = number of
/// classes), give a mixture of Gaussians over the summed embedding of its masked tokens.
/// </summary>
public delegate MixtureParams MixtureNetwork(Tensor visibleSum, Tensor maskedCount, Tensor labels);

/// <summary>
/// ResGen's bidirectional transformer over the L positions. Input per position: a projection of
/// the visible embedding sum, an embedding of the masked count k_i, a 2-D position embedding
/// (row + column); the class conditions every block through adaLN. Output: a mixture of
/// Gaussians over the masked embedding sum, in the tokenizer's latent units.
/// </summary>
public sealed class ResGenNetwork : Module<Tensor, Tensor, Tensor, MixtureParams>
{
    readonly Linear in_proj;
    readonly Embedding count_emb, row_emb, col_emb, class_emb;
    readonly ModuleList<TransformerBlock> blocks;
    readonly LayerNorm norm_out;
    readonly Linear ada_out;
    readonly MixtureHead head;
    // Spread of the tokenizer's latents: inputs are divided by it and outputs scaled back.
    readonly Tensor latent_scale;
    readonly Tensor row_index, col_index;

    public ResGenNetwork(ResGenModelConfig model, TokenGridShape grid) : base("resgen")
    {
        model.Validate();
        grid.Validate();
        Model = model;
        Grid = grid;
        int w = model.Width;
        in_proj = Linear(grid.CodeDim, w);
        count_emb = Embedding(grid.Depth + 1, w);
        row_emb = Embedding(grid.GridHeight, w);
        col_emb = Embedding(grid.GridWidth, w);
        class_emb = Embedding(model.Classes + 1, w);
        blocks = new ModuleList<TransformerBlock>();
        for (int i = 0; i < model.Layers; i++) blocks.Add(new TransformerBlock(w, model.Heads, model.MlpRatio, model.Dropout));
        norm_out = Norms.Layer(w, affine: false);
        ada_out = Linear(w, 2 * w);
        head = new MixtureHead(w, model.HeadRank, model.MixtureComponents, grid.CodeDim);
        latent_scale = torch.ones(1);
        var pos = torch.arange(grid.Positions);
        row_index = pos.div(grid.GridWidth, rounding_mode: RoundingMode.floor);
        col_index = pos.remainder(grid.GridWidth);
        using (torch.no_grad())
        {
            foreach (var e in new[] { count_emb, row_emb, col_emb, class_emb }) init.normal_(e.weight!, 0, 0.02);
            ada_out.weight!.zero_(); ada_out.bias!.zero_();
        }
        register_buffer(nameof(latent_scale), latent_scale);
        register_buffer(nameof(row_index), row_index, persistent: false);
        register_buffer(nameof(col_index), col_index, persistent: false);
        RegisterComponents();
    }

    public ResGenModelConfig Model { get; }
    public TokenGridShape Grid { get; }
    /// <summary>The label that means "no class" (classifier-free guidance).</summary>
    public int NullClass => Model.Classes;

    /// <summary>Sets the spread of the latents (e.g. the standard deviation of full embedding sums).</summary>
    public void SetLatentScale(float scale)
    {
        if (!(scale > 0) || float.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "latent scale must be positive");
        using var _ = torch.no_grad();
        latent_scale.fill_(scale);
    }

    public float LatentScale => latent_scale.cpu().item<float>();

    public override MixtureParams forward(Tensor visibleSum, Tensor maskedCount, Tensor labels)
    {
        var x = in_proj.forward(visibleSum / latent_scale)
                + count_emb.forward(maskedCount)
                + (row_emb.forward(row_index) + col_emb.forward(col_index)).unsqueeze(0);
        var c = functional.silu(class_emb.forward(labels));
        foreach (var b in blocks) x = b.forward(x, c);
        var m = ada_out.forward(c).unsqueeze(1).chunk(2, -1);
        var p = head.forward(TransformerBlock.Modulate(norm_out.forward(x), m[0], m[1]));
        return new MixtureParams(p.Logits, p.Means * latent_scale, p.LogScales + latent_scale.log());
    }
}
