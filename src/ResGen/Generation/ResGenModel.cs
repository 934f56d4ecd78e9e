using TorchSharp;
using ResGen.Tokens;
using ResGen.Training;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// ResGen: the network plus the tokenizer's quantizer, whose codebooks turn token grids into the
/// summed embeddings the network reads and predicts. The quantizer is not part of the generator's
/// checkpoint; it comes from the tokenizer checkpoint the generator was trained on.
/// </summary>
public sealed class ResGenModel : IGenerator
{
    public ResGenModel(ResGenNetwork network, ResidualVectorQuantizer quantizer)
    {
        if (network.Grid.Depth != quantizer.Depth || network.Grid.CodebookSize != quantizer.CodebookSize || network.Grid.CodeDim != quantizer.CodeDim)
            throw new UserErrorException(
                $"the generator expects tokens of depth {network.Grid.Depth}, K = {network.Grid.CodebookSize}, d_z = {network.Grid.CodeDim}, " +
                $"but the tokenizer has depth {quantizer.Depth}, K = {quantizer.CodebookSize}, d_z = {quantizer.CodeDim}.");
        Network = network;
        Quantizer = quantizer;
    }

    public ResGenNetwork Network { get; }
    public ResidualVectorQuantizer Quantizer { get; }
    public string Kind => "resgen";
    public nn.Module Module => Network;

    /// <summary>
    /// Masks each grid depth-wise at a random level, predicts the masked embedding sums and scores
    /// them with the mixture loss on positions that have masked tokens.
    /// </summary>
    public LossBreakdown Loss(Tensor indices, Tensor labels, Generator? generator)
    {
        var grid = Network.Grid;
        long b = indices.shape[0];
        var device = indices.device;
        var k = DepthMasking.SampleCounts(b, grid.Positions, grid.Depth, Network.Model.Schedule, generator, device);
        var visible = grid.Depth - k;
        Tensor prefix, target;
        using (torch.no_grad()) (prefix, target) = Quantizer.EmbedSplit(indices, visible);
        var y = labels;
        if (Network.Model.LabelDropout > 0)
        {
            var drop = torch.rand(b, generator: generator, device: device) < Network.Model.LabelDropout;
            y = torch.where(drop, torch.full_like(labels, Network.NullClass), labels);
        }
        var p = Network.forward(prefix, k, y);
        return ResGenLoss.Compute(p, target, k > 0);
    }

    public SampleResult Sample(SamplerSettings settings, Tensor labels, Generator generator, KnownTokens? known = null, bool keepSteps = false)
    {
        bool wasTraining = Network.training;
        Network.eval();
        try
        {
            return new Sampler(Network.forward, Quantizer, Network.NullClass, Network.Grid.Positions)
                .Sample(settings, labels, generator, known, keepSteps);
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
