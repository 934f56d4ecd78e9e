using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using ResGen.Training;

namespace ResGen.Generation;

/// <summary>
/// ResGen's objective on positions with masked tokens: the mixture negative log-likelihood of the
/// masked embedding sum, split with Jensen's inequality into a classification term (mixture logits
/// against the stop-gradient responsibilities) and a responsibility-weighted Gaussian regression.
/// Their gradient equals that of the exact NLL (which is logged as well); all values are per
/// latent dimension.
/// </summary>
public static class ResGenLoss
{
    /// <param name="p">Mixture per position [B, L, ..].</param>
    /// <param name="target">Masked embedding sum [B, L, d_z].</param>
    /// <param name="weight">Positions that count [B, L] (k_i &gt; 0), 0/1.</param>
    public static LossBreakdown Compute(MixtureParams p, Tensor target, Tensor weight)
    {
        var logits = p.Logits.to(ScalarType.Float32);
        var f32 = new MixtureParams(logits, p.Means.to(ScalarType.Float32), p.LogScales.to(ScalarType.Float32));
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
        var ce = Mean(classification);
        var reg = Mean(regression);
        return new LossBreakdown(ce + reg, [("nll", Mean(nll)), ("cls", ce), ("reg", reg)]);
    }
}
