using ResGen.Conditioning;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// A generator of RVQ token sequences. ResGen and its counterparts implement it, so training,
/// sampling, evaluation and benchmarks treat all of them alike.
/// </summary>
public interface IGenerator
{
    /// <summary>Checkpoint kind, e.g. "resgen" (see <see cref="GeneratorKinds"/>).</summary>
    string Kind { get; }
    /// <summary>The trainable module (what checkpoints, optimizers and EMA work on).</summary>
    nn.Module Module { get; }
    /// <summary>The tokens it models.</summary>
    TokenLayout Layout { get; }
    /// <summary>True when its sampler runs a chosen number of steps T (the masked models); false for autoregressive ones.</summary>
    bool Stepwise { get; }
    /// <summary>
    /// Training loss on a batch of token sequences for the given condition. The parts include "nll",
    /// the model's negative log-likelihood in its own unit (used for validation).
    /// In training mode conditions may be dropped (for guidance); in eval mode never.
    /// </summary>
    LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator);
    /// <summary>Samples token sequences [B, L, D] for the request.</summary>
    SampleResult Sample(SampleRequest request, Generator generator);
}

/// <summary>A generator whose network reads and predicts continuous latents, scaled by their measured spread.</summary>
public interface ILatentScaled
{
    /// <summary>Sets the spread of the tokenizer's latents (root mean square of full embedding sums).</summary>
    void SetLatentScale(float scale);
    /// <summary>
    /// Measures on token sequences [N, L, D] every scale the network works in (the latent scale, and any
    /// its config adds) and sets them; returns what was set, for the log (e.g. "latent scale 0.312").
    /// </summary>
    string MeasureScales(Tokens.ResidualVectorQuantizer quantizer, Tensor sample);
}
