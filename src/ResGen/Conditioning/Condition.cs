using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Conditioning;

/// <summary>
/// What a generator is asked to produce, as a value its network encodes: class labels now, text and
/// a speaker prompt next. Every condition has a "null" form (nothing given) for classifier-free
/// guidance and label dropout, and batches of the same kind can be joined.
/// </summary>
public abstract record Condition
{
    /// <summary>Examples in the batch.</summary>
    public abstract long Batch { get; }
    /// <summary>Where its tensors live (the sampling device).</summary>
    public abstract Device Device { get; }
    /// <summary>The same batch with nothing given (the unconditional half of guidance).</summary>
    public abstract Condition Null();
    /// <summary>This batch followed by <paramref name="other"/> (of the same kind).</summary>
    public abstract Condition Concat(Condition other);
    /// <summary>Each example <paramref name="times"/> times in a row (one copy per position, say).</summary>
    public abstract Condition RepeatInterleave(long times);
}

/// <summary>Class labels [B] (int64); −1 means "no class" (the null condition).</summary>
public sealed record ClassCondition : Condition
{
    public const long NullLabel = -1;

    public ClassCondition(Tensor labels)
    {
        if (labels.dim() != 1) throw new ArgumentException($"class labels must be [B], got [{string.Join(", ", labels.shape)}]");
        Labels = labels.dtype == ScalarType.Int64 ? labels : labels.to(ScalarType.Int64);
    }

    /// <summary>Labels for the given classes on a device.</summary>
    public static ClassCondition Of(IEnumerable<long> labels, Device? device = null) => new(torch.tensor(labels.ToArray(), device: device));

    public Tensor Labels { get; }
    public override long Batch => Labels.shape[0];
    public override Device Device => Labels.device;
    public override Condition Null() => new ClassCondition(torch.full_like(Labels, NullLabel));

    public override Condition Concat(Condition other) => other is ClassCondition c
        ? new ClassCondition(torch.cat([Labels, c.Labels]))
        : throw new ArgumentException($"cannot join class labels with {other.GetType().Name}");

    public override Condition RepeatInterleave(long times) => new ClassCondition(Labels.repeat_interleave(times));
}
