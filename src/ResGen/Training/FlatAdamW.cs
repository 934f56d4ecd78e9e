using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>
/// AdamW over one flat buffer: the module's trainable parameters are bound to views of a single
/// tensor (see <see cref="FlatParameters"/>), so a step is about seven large tensor operations no
/// matter how many parameters the model has. The update matches <c>torch.optim.AdamW</c> with
/// weight decay applied only to the parameters chosen by <see cref="FlatAdamWOptions.DecayFilter"/>.
/// </summary>
/// <remarks>
/// <para>Mixed precision: when the module's parameters are bfloat16 or float16 the optimizer keeps
/// float32 master weights and moments, steps those, and copies the result back into the model's
/// flat buffer (one cast). For float32 or float64 models the model buffer is the master.</para>
/// <para>Unlike the stock optimizer, a parameter that received no gradient this step still gets its
/// moments decayed and a (momentum) update, because its gradient is zero rather than missing.</para>
/// <para>Clear gradients with <see cref="ZeroGrad"/>, not <c>Module.zero_grad()</c> (which sets them to
/// null and detaches them from the flat buffer), and do not move or cast the module afterwards.</para>
/// </remarks>
public sealed class FlatAdamW : IDisposable
{
    private readonly Tensor _expAvg;
    private readonly Tensor _expAvgSq;
    private readonly Tensor? _master;
    private readonly Tensor _oneMinusBeta1;

    /// <summary>Binds <paramref name="module"/>'s trainable parameters to a flat buffer and creates zeroed moments.</summary>
    public FlatAdamW(nn.Module module, FlatAdamWOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Options = options ?? new FlatAdamWOptions();
        Options.Validate();
        LearningRate = Options.LearningRate;
        Parameters = new FlatParameters(module, Options.DecayFilter);
        var lowPrecision = Parameters.DType is ScalarType.BFloat16 or ScalarType.Float16;
        if (!lowPrecision && Parameters.DType is not (ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"FlatAdamW needs floating-point parameters, got {Parameters.DType}.", nameof(module));
        }

        using var noGrad = torch.no_grad();
        _master = lowPrecision ? Parameters.Data.to_type(ScalarType.Float32).DetachFromDisposeScope() : null;
        _expAvg = torch.zeros_like(Master).DetachFromDisposeScope();
        _expAvgSq = torch.zeros_like(Master).DetachFromDisposeScope();
        _oneMinusBeta1 = torch.tensor(1 - Options.Beta1, dtype: Master.dtype, device: Master.device).DetachFromDisposeScope();
    }

    /// <summary>The options given at construction (the learning rate may since have changed).</summary>
    public FlatAdamWOptions Options { get; }

    /// <summary>The flat parameter and gradient buffers the module is bound to.</summary>
    public FlatParameters Parameters { get; }

    /// <summary>Learning rate used by the next <see cref="Step(double?)"/> that does not pass one.</summary>
    public double LearningRate { get; set; }

    /// <summary>Number of steps taken (drives bias correction).</summary>
    public long StepCount { get; private set; }

    /// <summary>Whether separate float32 master weights are kept (low-precision model).</summary>
    public bool HasMasterCopy => _master is not null;

    /// <summary>The weights being optimized, in full precision; the same tensor as <c>Parameters.Data</c> unless <see cref="HasMasterCopy"/>.</summary>
    public Tensor Master => _master ?? Parameters.Data;

    /// <summary>First-moment buffer (same layout as <see cref="Master"/>).</summary>
    public Tensor ExpAvg => _expAvg;

    /// <summary>Second-moment buffer (same layout as <see cref="Master"/>).</summary>
    public Tensor ExpAvgSq => _expAvgSq;

    /// <summary>Zeroes all gradients with one operation (do not use <c>Module.zero_grad()</c>, which unbinds them).</summary>
    public void ZeroGrad() => Parameters.ZeroGrad();

    /// <summary>The global L2 norm of the gradient as a 0-d float32 tensor, computed without a host sync.</summary>
    public Tensor GradNorm()
    {
        using var noGrad = torch.no_grad();
        return Parameters.DType == ScalarType.Float32
            ? Parameters.Grad.norm()
            : Parameters.Grad.to_type(ScalarType.Float32).norm();
    }

    /// <summary>
    /// Scales the gradient so its global L2 norm is at most <paramref name="maxNorm"/>, like
    /// <c>clip_grad_norm_</c>, without a host sync. Returns the norm before clipping (0-d tensor).
    /// </summary>
    public Tensor ClipGradNorm(double maxNorm)
    {
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"maxNorm must be finite and > 0, got {maxNorm}.");
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var norm = GradNorm();
        var coef = (maxNorm / (norm + 1e-6)).clamp_max(1.0);
        Parameters.Grad.mul_(coef.to_type(Parameters.DType));
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>Takes one AdamW step using the gradient in <c>Parameters.Grad</c>.</summary>
    /// <param name="learningRate">When given, becomes <see cref="LearningRate"/> before the step.</param>
    public void Step(double? learningRate = null)
    {
        if (learningRate is { } newLr)
        {
            if (!(newLr >= 0) || double.IsInfinity(newLr))
            {
                throw new ArgumentOutOfRangeException(nameof(learningRate), newLr, $"Learning rate must be finite and >= 0, got {newLr}.");
            }

            LearningRate = newLr;
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        StepCount++;
        var lr = LearningRate;
        var (beta1, beta2) = (Options.Beta1, Options.Beta2);
        var grad = _master is null ? Parameters.Grad : Parameters.Grad.to_type(ScalarType.Float32);
        var weights = Master;

        if (Options.WeightDecay > 0 && lr > 0 && Parameters.DecayCount > 0)
        {
            using var keep = (1 - lr * Options.WeightDecay).ToScalar();
            weights.narrow(0, 0, Parameters.DecayCount).mul_(keep);
        }

        // Same update as torch.optim.AdamW, with the second-moment bias correction folded into the
        // step size and eps: m / (sqrt(v) / sqrt(bc2) + eps) == sqrt(bc2) * m / (sqrt(v) + eps * sqrt(bc2)).
        // Scalars are disposed here rather than left to the finalizer.
        var biasCorrection1 = 1 - Math.Pow(beta1, StepCount);
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, StepCount));
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var epsScalar = (Options.Eps * biasCorrection2Sqrt).ToScalar();
        using var stepSize = (-lr * biasCorrection2Sqrt / biasCorrection1).ToScalar();
        _expAvg.lerp_(grad, _oneMinusBeta1);
        _expAvgSq.mul_(beta2Scalar).addcmul_(grad, grad, value: oneMinusBeta2);
        var denom = _expAvgSq.sqrt().add_(epsScalar);
        weights.addcdiv_(_expAvg, denom, value: stepSize);

        if (_master is not null)
        {
            Parameters.Data.copy_(_master);
        }
    }

    /// <summary>
    /// The optimizer state keyed by parameter name: <c>exp_avg.NAME</c>, <c>exp_avg_sq.NAME</c>,
    /// <c>master.NAME</c> (only with a master copy) and <c>step</c> (0-d int64). The tensors are new
    /// handles (views) registered in the caller's dispose scope; disposing them does not harm the optimizer.
    /// </summary>
    public Dictionary<string, Tensor> StateDict() => FlatAdamWState.Export(this);

    /// <summary>Restores state produced by <see cref="StateDict"/>; throws <see cref="UserErrorException"/> on any key or shape mismatch.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state) => StepCount = FlatAdamWState.Import(this, state);

    /// <summary>Releases the moments, master copy and flat buffers.</summary>
    public void Dispose()
    {
        _expAvg.Dispose();
        _expAvgSq.Dispose();
        _oneMinusBeta1.Dispose();
        _master?.Dispose();
        Parameters.Dispose();
    }
}
