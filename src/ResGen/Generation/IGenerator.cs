using TorchSharp;
using static TorchSharp.torch;
using ResGen.Training;

namespace ResGen.Generation;

/// <summary>
/// A generator of RVQ token grids. ResGen and its counterparts implement it, so training,
/// sampling, evaluation and benchmarks treat all of them alike.
/// </summary>
public interface IGenerator
{
    /// <summary>Checkpoint kind, e.g. "resgen".</summary>
    string Kind { get; }
    /// <summary>The trainable module (what checkpoints, optimizers and EMA work on).</summary>
    nn.Module Module { get; }
    /// <summary>Training loss on a batch of token grids [B, L, D] and labels [B].</summary>
    LossBreakdown Loss(Tensor indices, Tensor labels, Generator? generator);
    /// <summary>Samples token grids [B, L, D] for the labels [B].</summary>
    SampleResult Sample(SamplerSettings settings, Tensor labels, Generator generator, KnownTokens? known = null, bool keepSteps = false);
}
