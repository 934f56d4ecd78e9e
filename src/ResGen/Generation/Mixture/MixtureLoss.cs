using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation.Mixture;

/// <summary>
/// The mixture objective of ResGen and AR-ResGen on the positions that count: the negative
/// log-likelihood of a target vector (the masked embedding sum), split with Jensen's inequality
/// into a classification term (mixture logits against the stop-gradient responsibilities) and a
/// responsibility-weighted Gaussian regression.
/// Their gradient equals that of the exact NLL (which is logged as well); all values are per
/// latent dimension. The loss may weight the positions that count (e.g. by their masked tokens); the
/// logged NLL is always their plain mean, so that it compares across weightings.
/// </summary>
public static class MixtureLoss
{
    /// <param name="p">Mixture per position [B, L, ..].</param>
    /// <param name="target">Target vector per position [B, L, d_z].</param>
    /// <param name="weight">Positions that count [B, L] (bool or 0/1).</param>
    /// <param name="lossWeight">Relative weight of each position in the loss [B, L] (null: <paramref name="weight"/>); zero where <paramref name="weight"/> is.</param>
    public static LossBreakdown Compute(MixtureParams p, Tensor target, Tensor weight, Tensor? lossWeight = null)
    {
        var f32 = p.Float32();
        var logits = f32.Logits;
        var joint = f32.JointLogLikelihood(target.to(ScalarType.Float32));        // [B, L, M]
        var logPi = functional.log_softmax(logits, -1);
        var resp = functional.softmax(joint, -1).detach();
        var classification = -(resp * logPi).sum(-1);
        var regression = -(resp * (joint - logPi)).sum(-1);
        var nll = -torch.logsumexp(joint, -1);
        float dim = target.shape[^1];
        var w = weight.to(ScalarType.Float32);
        var count = w.sum().clamp_min(1f);
        Tensor Mean(Tensor v) => (v * w).sum() / count / dim;
        var lw = lossWeight?.to(ScalarType.Float32);
        var lwCount = lw?.sum().clamp_min(1e-12f);
        Tensor Weighted(Tensor v) => lw is null ? Mean(v) : (v * lw).sum() / lwCount! / dim;
        var ce = Weighted(classification);
        var reg = Weighted(regression);
        return new LossBreakdown(ce + reg, [("nll", Mean(nll)), ("cls", ce), ("reg", reg)]);
    }
}
