using ResGen.Conditioning;
using ResGen.Generation.Mixture;
using ResGen.Nn;
using ResGen.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.ArResGen;

/// <summary>What an AR-ResGen sampler calls: one causal step over new positions (see <see cref="ArResGenNetwork.Step"/>).</summary>
public interface IArMixtureNetwork
{
    /// <summary>A KV cache of the causal stack for <paramref name="capacity"/> positions.</summary>
    KvCache NewCache(long capacity);
    /// <summary>Encodes the condition once per sampling run (or per training batch).</summary>
    Tensor Encode(Condition condition, Generator? generator = null);
    /// <summary>Mixtures over the summed embeddings of positions first..first+n−1 from the sums of the positions before them.</summary>
    MixtureParams Step(Tensor previousSums, long first, Tensor condition, KvCache? cache);
}

/// <summary>
/// AR-ResGen's network: a causal transformer over positions. The input at position i is a projection
/// of the summed embedding of all D tokens of position i−1 (a learned start vector at i = 0) plus a
/// position embedding; the class conditions every block through adaLN. The output at i is ResGen's
/// mixture of Gaussians over the summed embedding of position i, in the tokenizer's latent units.
/// </summary>
public sealed class ArResGenNetwork : nn.Module, IGeneratorNetwork, IArMixtureNetwork
{
    readonly ShiftedInput input;
    readonly ClassEmbedding class_emb;
    readonly TransformerStack transformer;
    readonly MixtureHead head;
    readonly Tensor latent_scale;

    public ArResGenNetwork(ArResGenModelConfig model, TokenLayout layout) : base("ar_resgen")
    {
        model.Validate();
        layout.Validate();
        Model = model;
        Layout = layout;
        int w = model.Width;
        input = new ShiftedInput(layout, w);
        class_emb = ConditionEncoders.Build(model, "ar-resgen", textSupported: false).Classes!;
        transformer = new TransformerStack(w, model.Layers, model.Heads, model.MlpRatio, model.Dropout, causal: true);
        head = new MixtureHead(w, model.HeadRank, model.MixtureComponents, layout.CodeDim);
        latent_scale = LatentScaleBuffer.Create();
        register_buffer(nameof(latent_scale), latent_scale);
        RegisterComponents();
    }

    public ArResGenModelConfig Model { get; }
    public TokenLayout Layout { get; }

    public void SetLatentScale(float scale) => LatentScaleBuffer.Set(latent_scale, scale);

    public KvCache NewCache(long capacity) => transformer.NewCache(capacity);

    public Tensor Encode(Condition condition, Generator? generator = null) => functional.silu(class_emb.Encode(condition, generator));

    /// <param name="previousSums">[B, n, d_z]: for each new position, the summed embedding of the position before it (ignored at position 0).</param>
    /// <param name="first">Index of the first new position (= positions already in the cache, when one is given).</param>
    /// <param name="condition">Encoded condition [B, W] (<see cref="Encode"/>).</param>
    /// <param name="cache">KV cache holding positions 0..first−1, or null to attend only among the new positions (first must then be 0).</param>
    public MixtureParams Step(Tensor previousSums, long first, Tensor condition, KvCache? cache)
    {
        var x = input.forward(previousSums / latent_scale, first);
        var p = head.forward(transformer.forward(x, condition, cache: cache));
        return new MixtureParams(p.Logits, p.Means * latent_scale, p.LogScales + latent_scale.log());
    }
}
