using ResGen.Conditioning;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.RqTransformer;

/// <summary>
/// The autoregressive RVQ counterpart (RQ-Transformer): predicts the D codes of each position one by
/// one, positions in order, with KV caches in both transformers. Loss: cross-entropy of every real
/// token given everything before it (nats per token); a prompt's tokens are context and not scored.
/// </summary>
public sealed class RqTransformerModel(RqTransformerNetwork network, ResidualVectorQuantizer quantizer) : QuantizedGenerator<RqTransformerNetwork>(network, quantizer)
{
    public const string KindName = "rq-transformer";

    public override string Kind => KindName;
    public override bool Stepwise => false;

    public override LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator)
    {
        var indices = tokens.Indices;
        long b = indices.shape[0], l = indices.shape[1];
        int depth = Layout.Depth;
        Tensor previous, cumulative;
        using (torch.no_grad())
        {
            var vectors = Quantizer.CodeVectors(indices);                                      // [B, L, D, d_z]
            var full = vectors.sum(2);
            previous = torch.cat([torch.zeros_like(full.narrow(1, 0, 1)), full.narrow(1, 0, l - 1)], 1);
            var before = vectors.narrow(2, 0, depth - 1).cumsum(2);
            cumulative = torch.cat([torch.zeros_like(vectors.narrow(2, 0, 1)), before], 2).reshape(b * l, depth, -1);
        }
        var c = Network.Encode(condition, generator);                                         // one label draw for both stacks
        var context = Network.Spatial(previous, 0, c, null, tokens.Lengths).reshape(b * l, -1);
        var logits = Network.Depth(context, cumulative, 0, c.Vector.repeat_interleave(l, dim: 0), null).Logits.to(ScalarType.Float32);   // [B·L, D, K]
        var nllPerToken = -functional.log_softmax(logits, -1).gather(-1, indices.reshape(b * l, depth, 1)).squeeze(-1).reshape(b, l, depth);
        Tensor nll;
        // prompt positions (prompted training) are context, not scored, as in the masked models
        var scored = tokens.Prompt is { } prompt ? (tokens.Valid ?? torch.ones_like(prompt)).logical_and(prompt.logical_not()) : tokens.Valid;
        if (scored is { } valid)
        {
            var w = valid.to(ScalarType.Float32).unsqueeze(-1).expand(b, l, depth);
            nll = (nllPerToken * w).sum() / w.sum().clamp_min(1f);
        }
        else nll = nllPerToken.mean();
        return new LossBreakdown(nll, [("nll", nll)]);
    }

    protected override SampleResult RunSampler(SampleRequest request, Generator generator) => new RqTransformerSampler(Network, Quantizer, request.PositionsWithin(Layout.Positions)).Sample(request, generator);

    /// <summary>Samples with or without the KV caches (the same tokens either way; the caches only save work).</summary>
    public SampleResult Sample(SampleRequest request, Generator generator, bool useCache)
        => InEvalMode(() => new RqTransformerSampler(Network, Quantizer, request.PositionsWithin(Layout.Positions), useCache).Sample(request, generator));
}
