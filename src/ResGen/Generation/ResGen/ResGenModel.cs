using ResGen.Conditioning;
using ResGen.Generation.Mixture;
using ResGen.Nn;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// ResGen: the network plus the tokenizer's quantizer, whose codebooks turn token grids into the
/// summed embeddings the network reads and predicts.
/// </summary>
public sealed class ResGenModel(ResGenNetwork network, ResidualVectorQuantizer quantizer) : QuantizedGenerator<ResGenNetwork>(network, quantizer)
{
    public const string KindName = "resgen";

    public override string Kind => KindName;
    public override bool Stepwise => true;

    /// <summary>
    /// Masks each sequence depth-wise at a random level, predicts the masked embedding sums and scores
    /// them with the mixture loss on positions that have masked tokens. Prompt positions (prompted
    /// training) stay whole, as the sampler will be given them, and are not scored. A batch marked
    /// <see cref="TokenBatch.WholeTarget"/> is scored in the sampler's start state instead.
    /// </summary>
    public override LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator)
    {
        var layout = Layout;
        var indices = tokens.Indices;
        var valid = tokens.Valid;
        var maskable = tokens.Prompt is { } prompt ? (valid ?? torch.ones_like(prompt)).logical_and(prompt.logical_not()) : null;
        var k = tokens.WholeTarget
            ? DepthMasking.WholeCounts(indices.shape[0], (int)indices.shape[1], layout.Depth, indices.device, tokens.Lengths, maskable)
            : DepthMasking.SampleCounts(indices.shape[0], (int)indices.shape[1], layout.Depth, Network.Model.Schedule, generator, indices.device,
                tokens.Lengths, maskable, Network.Model.WholePositionShare);
        if (!tokens.WholeTarget && Network.Model.StartStateShare > 0 && tokens.PromptLengths is { } promptLengths)
        {
            // a share of the prompted examples in the sampler's start state: the prompt is their only voice
            var start = RandomDraw.Rand([indices.shape[0]], generator, indices.device, ScalarType.Float64) < Network.Model.StartStateShare;
            start = start.logical_and(promptLengths.to(indices.device) > 0);
            k = torch.where(start.unsqueeze(1), DepthMasking.WholeCounts(indices.shape[0], (int)indices.shape[1], layout.Depth, indices.device, tokens.Lengths, maskable), k);
        }
        var visible = layout.Depth - k;
        Tensor prefix, target;
        using (torch.no_grad()) (prefix, target) = Quantizer.EmbedSplit(indices, visible);
        var p = Network.forward(prefix, k, valid, condition, generator);
        var tokenWeight = Network.Model.LossWeighting == LossWeighting.Tokens ? k.to(ScalarType.Float32) : null;
        return MixtureLoss.Compute(p, target, k > 0, tokenWeight);
    }

    /// <summary>The latent scale, and with per-count target scaling the spread of the masked sum at every masked count.</summary>
    public override string MeasureScales(ResidualVectorQuantizer quantizer, Tensor sample)
    {
        var said = base.MeasureScales(quantizer, sample);
        if (!Network.CountScaled) return said;
        var byCount = LatentScaleBuffer.MeasureByCount(quantizer, sample);
        Network.SetCountScales(byCount);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{said}; masked-sum scales {byCount[0]:0.####} (k = 1) to {byCount[^1]:0.###} (k = {byCount.Length})");
    }

    protected override SampleResult RunSampler(SampleRequest request, Generator generator)
        => new ResGenSampler((x, k, v, c, rows) => Network.forward(x, k, v, c, rows: rows), Quantizer, request.PositionsWithin(Layout.Positions)).Sample(request, generator);

}
