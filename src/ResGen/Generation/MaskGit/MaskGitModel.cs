using ResGen.Conditioning;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.MaskGit;

/// <summary>
/// The paper's token-wise ablation (MaskGIT-style): ResGen's depth-wise masking and sampler, but the
/// network predicts every masked token with its own softmax instead of one mixture over the summed
/// embedding of the masked tokens. Loss: cross-entropy of the masked tokens (nats per token).
/// </summary>
public sealed class MaskGitModel(MaskGitNetwork network, ResidualVectorQuantizer quantizer) : QuantizedGenerator<MaskGitNetwork>(network, quantizer)
{
    public const string KindName = "maskgit";

    public override string Kind => KindName;
    public override bool Stepwise => true;

    public override LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator)
    {
        var layout = Layout;
        var indices = tokens.Indices;
        var k = tokens.WholeTarget
            ? DepthMasking.WholeCounts(indices.shape[0], (int)indices.shape[1], layout.Depth, indices.device, tokens.Lengths)
            : DepthMasking.SampleCounts(indices.shape[0], (int)indices.shape[1], layout.Depth, Network.Model.Schedule, generator, indices.device, tokens.Lengths);
        var visible = layout.Depth - k;
        Tensor prefix;
        using (torch.no_grad()) prefix = Quantizer.EmbedPrefix(indices, visible);
        var logits = Network.forward(prefix, k, tokens.Valid, condition, generator).Logits.to(ScalarType.Float32);   // [B, L, D, K]
        var nllPerToken = -functional.log_softmax(logits, -1).gather(-1, indices.unsqueeze(-1)).squeeze(-1);         // [B, L, D]
        var mask = DepthMasking.MaskFromCounts(k, layout.Depth).to(ScalarType.Float32);
        var nll = (nllPerToken * mask).sum() / mask.sum().clamp_min(1f);
        return new LossBreakdown(nll, [("nll", nll)]);
    }

    protected override SampleResult RunSampler(SampleRequest request, Generator generator)
        => new MaskGitSampler((x, k, v, c) => Network.forward(x, k, v, c), request.PositionsWithin(Layout.Positions), Layout.Depth, Quantizer).Sample(request, generator);
}
