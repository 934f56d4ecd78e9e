using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Conditioning;

/// <summary>
/// A condition as a network reads it: one vector per example [B, W] (after SiLU) that sets every
/// block's adaLN, and — for text — a context sequence [B, P, W] with its real positions [B, P]
/// that the blocks cross-attend to, with the progress of each context position's centre in time [B, P]
/// (its aligned start and end as fractions of the sequence; (i + ½)/P for an even spread) and
/// the context length P [B] (float) from which <see cref="TextEncoder.AlignmentBias"/> is made, and
/// where each context position starts as a fraction of the sequence it conditions [B, P] (for
/// <see cref="TextEncoder.Aligned"/>).
/// </summary>
public sealed record EncodedCondition(Tensor Vector, Tensor? Context = null, Tensor? ContextValid = null,
    Tensor? ContextProgress = null, Tensor? ContextLength = null, Tensor? ContextStarts = null)
{
    /// <summary>The batch repeated <paramref name="copies"/> times along dimension 0 (as the samplers repeat their inputs).</summary>
    public EncodedCondition Repeat(int copies) => copies == 1 ? this
        : new(ClassifierFreeGuidance.Repeat(Vector, copies), ClassifierFreeGuidance.RepeatOptional(Context, copies), ClassifierFreeGuidance.RepeatOptional(ContextValid, copies),
              ClassifierFreeGuidance.RepeatOptional(ContextProgress, copies), ClassifierFreeGuidance.RepeatOptional(ContextLength, copies),
              ClassifierFreeGuidance.RepeatOptional(ContextStarts, copies));
}

/// <summary>Turns a <see cref="Condition"/> into what the network reads; in training mode it may drop conditions (for guidance).</summary>
public interface IConditionEncoder
{
    EncodedCondition Encode(Condition condition, Generator? generator = null);
}
