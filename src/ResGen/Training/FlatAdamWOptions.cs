using TorchSharp.Modules;

namespace ResGen.Training;

/// <summary>Hyper-parameters of <see cref="FlatAdamW"/>; the defaults match <c>torch.optim.AdamW</c>.</summary>
public sealed record FlatAdamWOptions
{
    /// <summary>Initial learning rate; <see cref="FlatAdamW.Step(double?)"/> can set it per step.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay coefficient (multiplied by the learning rate each step).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>
    /// Chooses the parameters that get weight decay from their state-dict name and the parameter.
    /// Null means matrices and higher: parameters with at least two dimensions (so not biases or norm gains).
    /// </summary>
    public Func<string, Parameter, bool>? DecayFilter { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"Learning rate must be finite and >= 0, got {LearningRate}.");
        }

        if (!(Beta1 >= 0 && Beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, $"Beta1 must be in [0, 1), got {Beta1}.");
        }

        if (!(Beta2 >= 0 && Beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, $"Beta2 must be in [0, 1), got {Beta2}.");
        }

        if (!(Eps > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Eps), Eps, $"Eps must be > 0, got {Eps}.");
        }

        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"Weight decay must be finite and >= 0, got {WeightDecay}.");
        }
    }
}
