using TorchSharp;
using ResGen.Conditioning;
using ResGen.Tokens;
using ResGen.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.MaskGit;

/// <summary>
/// The paper's token-wise ablation (MaskGIT-style): ResGen's depth-wise masking and sampler, but the
/// network predicts every masked token with its own softmax instead of one mixture over the summed
/// embedding of the masked tokens. Loss: cross-entropy of the masked tokens (nats per token).
/// </summary>
public sealed class MaskGitModel : IGenerator, ILatentScaled
{
    public const string KindName = "maskgit";

    public MaskGitModel(MaskGitNetwork network, ResidualVectorQuantizer quantizer)
    {
        network.Layout.CheckQuantizer(quantizer, "generator");
        Network = network;
        Quantizer = quantizer;
    }

    public MaskGitNetwork Network { get; }
    public ResidualVectorQuantizer Quantizer { get; }
    public string Kind => KindName;
    public nn.Module Module => Network;
    public TokenLayout Layout => Network.Layout;
    public bool Stepwise => true;
    public void SetLatentScale(float scale) => Network.SetLatentScale(scale);

    public LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator)
    {
        var layout = Layout;
        var indices = tokens.Indices;
        var k = DepthMasking.SampleCounts(indices.shape[0], layout.Positions, layout.Depth, Network.Model.Schedule, generator, indices.device, tokens.Lengths);
        var visible = layout.Depth - k;
        Tensor prefix;
        using (torch.no_grad()) prefix = Quantizer.EmbedPrefix(indices, visible);
        var logits = Network.forward(prefix, k, tokens.Valid, condition, generator).Logits.to(ScalarType.Float32);   // [B, L, D, K]
        var nllPerToken = -functional.log_softmax(logits, -1).gather(-1, indices.unsqueeze(-1)).squeeze(-1);         // [B, L, D]
        var mask = DepthMasking.MaskFromCounts(k, layout.Depth).to(ScalarType.Float32);
        var nll = (nllPerToken * mask).sum() / mask.sum().clamp_min(1f);
        return new LossBreakdown(nll, [("nll", nll)]);
    }

    public SampleResult Sample(SampleRequest request, Generator generator)
    {
        bool wasTraining = Network.training;
        Network.eval();
        try
        {
            return new MaskGitSampler((x, k, v, c) => Network.forward(x, k, v, c), Layout.Positions, Layout.Depth, Quantizer).Sample(request, generator);
        }
        finally { Network.train(wasTraining); }
    }
}
