using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Conditioning;

/// <summary>
/// What to say: phoneme ids [B, P] (int64; positions at or after an example's length are padding)
/// and the number of phonemes of each example [B]. A length of 0 is the null condition (no text),
/// the unconditional half of guidance and of text dropout.
/// </summary>
public sealed record PhonemeCondition : Condition
{
    public PhonemeCondition(Tensor phonemes, Tensor lengths)
    {
        if (phonemes.dim() != 2) throw new ArgumentException($"phonemes must be [B, P], got [{string.Join(", ", phonemes.shape)}]");
        if (lengths.dim() != 1 || lengths.shape[0] != phonemes.shape[0])
            throw new ArgumentException($"phoneme lengths must be [{phonemes.shape[0]}], got [{string.Join(", ", lengths.shape)}]");
        Phonemes = phonemes.dtype == ScalarType.Int64 ? phonemes : phonemes.to(ScalarType.Int64);
        Lengths = (lengths.dtype == ScalarType.Int64 ? lengths : lengths.to(ScalarType.Int64)).to(phonemes.device);
    }

    /// <summary>Each example given the text of the next one (the last the first's): a control for whether a model reads its text.</summary>
    public PhonemeCondition Rotated() => new(Phonemes.roll(1, 0), Lengths.roll(1, 0));

    /// <summary>One example per phoneme list, padded with 0 to the longest, on a device.</summary>
    public static PhonemeCondition Of(IReadOnlyList<IReadOnlyList<int>> phonemes, Device? device = null)
    {
        int p = Math.Max(1, phonemes.Count == 0 ? 1 : phonemes.Max(x => x.Count));
        var ids = new long[phonemes.Count * p];
        for (int b = 0; b < phonemes.Count; b++)
            for (int i = 0; i < phonemes[b].Count; i++) ids[b * p + i] = phonemes[b][i];
        return new(torch.tensor(ids, [phonemes.Count, p], device: device), torch.tensor(phonemes.Select(x => (long)x.Count).ToArray(), device: device));
    }

    public Tensor Phonemes { get; }
    public Tensor Lengths { get; }
    public override long Batch => Phonemes.shape[0];
    public override Device Device => Phonemes.device;

    public override Condition Null() => new PhonemeCondition(torch.zeros_like(Phonemes), torch.zeros_like(Lengths));

    public override Condition Concat(Condition other)
    {
        if (other is not PhonemeCondition o) throw new ArgumentException($"cannot join phonemes with {other.GetType().Name}");
        long p = Math.Max(Phonemes.shape[1], o.Phonemes.shape[1]);
        return new PhonemeCondition(torch.cat([Pad(Phonemes, p), Pad(o.Phonemes, p)]), torch.cat([Lengths, o.Lengths]));
    }

    public override Condition RepeatInterleave(long times)
        => new PhonemeCondition(Phonemes.repeat_interleave(times, dim: 0), Lengths.repeat_interleave(times));

    static Tensor Pad(Tensor x, long p) => x.shape[1] == p ? x : nn.functional.pad(x, [0, p - x.shape[1]]);
}
