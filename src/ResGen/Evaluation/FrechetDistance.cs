using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Evaluation;

/// <summary>
/// The (squared) Fréchet distance between two Gaussians N(μ1, Σ1) and N(μ2, Σ2), the quantity
/// FID reports: d² = |μ1 − μ2|² + Tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½).
/// </summary>
/// <remarks>
/// Computed in float64 with two symmetric eigendecompositions instead of a general matrix
/// square root: Σ1^½ = V diag(√λ) Vᵀ from Σ1 = V diag(λ) Vᵀ, then Tr((Σ1^½ Σ2 Σ1^½)^½) is the sum
/// of the square roots of the eigenvalues of the symmetric matrix Σ1^½ Σ2 Σ1^½. Tiny negative
/// eigenvalues from rounding (covariances are only positive semi-definite) are clamped to 0,
/// and so is the result, so it is never negative and never NaN for valid covariances.
/// </remarks>
public static class FrechetDistance
{
    /// <summary>Squared Fréchet distance between the Gaussians fitted to two feature sets.</summary>
    public static double Compute(FeatureStats a, FeatureStats b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dim != b.Dim) throw new ArgumentException($"feature statistics have different dimensions ({a.Dim} and {b.Dim}); were they computed with different classifiers?");
        using var scope = torch.NewDisposeScope();
        return Compute(a.MeanTensor(), a.CovarianceTensor(), b.MeanTensor(), b.CovarianceTensor());
    }

    /// <summary>Squared Fréchet distance between N(<paramref name="mean1"/>, <paramref name="cov1"/>) and N(<paramref name="mean2"/>, <paramref name="cov2"/>).</summary>
    /// <param name="mean1">Mean [F].</param>
    /// <param name="cov1">Covariance [F, F] (symmetric positive semi-definite).</param>
    /// <param name="mean2">Mean [F].</param>
    /// <param name="cov2">Covariance [F, F].</param>
    public static double Compute(Tensor mean1, Tensor cov1, Tensor mean2, Tensor cov2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        ArgumentNullException.ThrowIfNull(cov1);
        ArgumentNullException.ThrowIfNull(mean2);
        ArgumentNullException.ThrowIfNull(cov2);
        long f = mean1.shape[^1];
        if (mean1.dim() != 1 || mean2.dim() != 1 || mean2.shape[0] != f)
            throw new ArgumentException($"means must both be [F], got [{string.Join(", ", mean1.shape)}] and [{string.Join(", ", mean2.shape)}]");
        foreach (var c in new[] { cov1, cov2 })
            if (c.dim() != 2 || c.shape[0] != f || c.shape[1] != f)
                throw new ArgumentException($"covariances must be [{f}, {f}], got [{string.Join(", ", c.shape)}]");

        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var m1 = mean1.to(ScalarType.Float64);
        var m2 = mean2.to(ScalarType.Float64);
        var s1 = Symmetric(cov1.to(ScalarType.Float64));
        var s2 = Symmetric(cov2.to(ScalarType.Float64));

        var meanTerm = (m1 - m2).square().sum();
        var s1Half = SqrtPsd(s1);
        var inner = Symmetric(s1Half.matmul(s2).matmul(s1Half));
        var (innerEig, _) = torch.linalg.eigh(inner);
        var traceSqrt = innerEig.clamp_min(0).sqrt().sum();
        var d2 = meanTerm + s1.trace() + s2.trace() - 2 * traceSqrt;
        return Math.Max(0.0, d2.item<double>());
    }

    /// <summary>The symmetric positive semi-definite square root of a symmetric matrix (negative eigenvalues clamped to 0).</summary>
    public static Tensor SqrtPsd(Tensor symmetric)
    {
        using var scope = torch.NewDisposeScope();
        var (eig, vectors) = torch.linalg.eigh(symmetric);
        var root = vectors.mul(eig.clamp_min(0).sqrt().unsqueeze(0)).matmul(vectors.t());
        return Symmetric(root).MoveToOuterDisposeScope();
    }

    static Tensor Symmetric(Tensor m) => (m + m.t()) / 2;
}
