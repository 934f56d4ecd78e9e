using ResGen.Conditioning;
using ResGen.Generation.Mixture;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation.ArResGen;

/// <summary>
/// AR-ResGen, the paper's fastest variant: autoregressive over positions (with a KV cache), one
/// mixture prediction of the whole summed embedding of each position, re-quantized over all D
/// depths. L network calls per sample, whatever the depth. Loss: ResGen's mixture loss on every real
/// position given the positions before it.
/// </summary>
public sealed class ArResGenModel(ArResGenNetwork network, ResidualVectorQuantizer quantizer) : QuantizedGenerator<ArResGenNetwork>(network, quantizer)
{
    public const string KindName = "ar-resgen";

    public override string Kind => KindName;
    public override bool Stepwise => false;

    public override LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator)
    {
        Tensor full, previous;
        using (torch.no_grad())
        {
            full = Quantizer.Decode(tokens.Indices);                                          // [B, L, d_z]
            previous = torch.cat([torch.zeros_like(full.narrow(1, 0, 1)), full.narrow(1, 0, full.shape[1] - 1)], 1);
        }
        var p = Network.Step(previous, 0, Network.Encode(condition, generator), cache: null);
        var weight = tokens.Valid ?? torch.ones(full.shape[0], full.shape[1], device: full.device);
        return MixtureLoss.Compute(p, full, weight);
    }

    protected override SampleResult RunSampler(SampleRequest request, Generator generator) => new ArResGenSampler(Network, Quantizer, request.PositionsWithin(Layout.Positions)).Sample(request, generator);

    /// <summary>Samples with or without the KV cache (the same tokens either way; the cache only saves work).</summary>
    public SampleResult Sample(SampleRequest request, Generator generator, bool useCache)
        => InEvalMode(() => new ArResGenSampler(Network, Quantizer, request.PositionsWithin(Layout.Positions), useCache).Sample(request, generator));
}
