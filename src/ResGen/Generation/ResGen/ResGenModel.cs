using TorchSharp;
using ResGen.Conditioning;
using ResGen.Generation.Mixture;
using ResGen.Tokens;
using ResGen.Training;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// ResGen: the network plus the tokenizer's quantizer, whose codebooks turn token grids into the
/// summed embeddings the network reads and predicts. The quantizer is not part of the generator's
/// checkpoint; it comes from the tokenizer checkpoint the generator was trained on.
/// </summary>
public sealed class ResGenModel : IGenerator, ILatentScaled
{
    public const string KindName = "resgen";

    public ResGenModel(ResGenNetwork network, ResidualVectorQuantizer quantizer)
    {
        network.Layout.CheckQuantizer(quantizer, "generator");
        Network = network;
        Quantizer = quantizer;
    }

    public ResGenNetwork Network { get; }
    public ResidualVectorQuantizer Quantizer { get; }
    public string Kind => KindName;
    public nn.Module Module => Network;
    public TokenLayout Layout => Network.Layout;
    public bool Stepwise => true;
    public void SetLatentScale(float scale) => Network.SetLatentScale(scale);

    /// <summary>
    /// Masks each sequence depth-wise at a random level, predicts the masked embedding sums and scores
    /// them with the mixture loss on positions that have masked tokens.
    /// </summary>
    public LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator)
    {
        var layout = Layout;
        var indices = tokens.Indices;
        var valid = tokens.Valid;
        var k = DepthMasking.SampleCounts(indices.shape[0], layout.Positions, layout.Depth, Network.Model.Schedule, generator, indices.device, tokens.Lengths);
        var visible = layout.Depth - k;
        Tensor prefix, target;
        using (torch.no_grad()) (prefix, target) = Quantizer.EmbedSplit(indices, visible);
        var p = Network.forward(prefix, k, valid, condition, generator);
        return MixtureLoss.Compute(p, target, k > 0);
    }

    public SampleResult Sample(SampleRequest request, Generator generator)
    {
        bool wasTraining = Network.training;
        Network.eval();
        try
        {
            return new ResGenSampler((x, k, v, c) => Network.forward(x, k, v, c), Quantizer, Layout.Positions).Sample(request, generator);
        }
        finally { Network.train(wasTraining); }
    }

    /// <summary>
    /// Spread of the tokenizer's latents on a sample of token grids: the root mean square over
    /// dimensions of the full embedding sums (the network's input/output scale).
    /// </summary>
    public static float MeasureLatentScale(ResidualVectorQuantizer quantizer, Tensor indices)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var full = quantizer.Decode(indices);
        return full.pow(2).mean().sqrt().item<float>();
    }
}
