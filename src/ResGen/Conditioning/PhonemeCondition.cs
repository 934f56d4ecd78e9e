using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Conditioning;

/// <summary>
/// What to say: phoneme ids [B, P] (int64; positions at or after an example's length are padding)
/// and the number of phonemes of each example [B]. A length of 0 is the null condition (no text),
/// the unconditional half of guidance and of text dropout. Optionally when each phoneme starts, as a
/// fraction of its example's positions [B, P] (float32, non-decreasing): the aligned input of a model
/// trained on phoneme timings; without them a model spreads the phonemes evenly.
/// </summary>
public sealed record PhonemeCondition : Condition
{
    public PhonemeCondition(Tensor phonemes, Tensor lengths, Tensor? starts = null)
    {
        if (phonemes.dim() != 2) throw new ArgumentException($"phonemes must be [B, P], got [{string.Join(", ", phonemes.shape)}]");
        if (lengths.dim() != 1 || lengths.shape[0] != phonemes.shape[0])
            throw new ArgumentException($"phoneme lengths must be [{phonemes.shape[0]}], got [{string.Join(", ", lengths.shape)}]");
        Phonemes = phonemes.dtype == ScalarType.Int64 ? phonemes : phonemes.to(ScalarType.Int64);
        Lengths = (lengths.dtype == ScalarType.Int64 ? lengths : lengths.to(ScalarType.Int64)).to(phonemes.device);
        if (starts is not null && (starts.dim() != 2 || starts.shape[0] != phonemes.shape[0] || starts.shape[1] != phonemes.shape[1]))
            throw new ArgumentException($"phoneme starts must be [{phonemes.shape[0]}, {phonemes.shape[1]}], got [{string.Join(", ", starts.shape)}]");
        Starts = starts?.to(ScalarType.Float32).to(phonemes.device);
    }

    /// <summary>Each example given the text of the next one (the last the first's): a control for whether a model reads its text.</summary>
    public PhonemeCondition Rotated() => new(Phonemes.roll(1, 0), Lengths.roll(1, 0), Starts?.roll(1, 0));

    /// <summary>
    /// One example per phoneme list, padded with 0 to the longest, on a device; with
    /// <paramref name="starts"/> (one list per example, as long as its phonemes; fractions of its positions) the aligned input.
    /// </summary>
    public static PhonemeCondition Of(IReadOnlyList<IReadOnlyList<int>> phonemes, Device? device = null, IReadOnlyList<IReadOnlyList<float>>? starts = null)
    {
        int p = Math.Max(1, phonemes.Count == 0 ? 1 : phonemes.Max(x => x.Count));
        var ids = new long[phonemes.Count * p];
        for (int b = 0; b < phonemes.Count; b++)
            for (int i = 0; i < phonemes[b].Count; i++) ids[b * p + i] = phonemes[b][i];
        Tensor? startTensor = null;
        if (starts is not null)
        {
            if (starts.Count != phonemes.Count || starts.Where((s, b) => s.Count != phonemes[b].Count).Any())
                throw new ArgumentException("give one start per phoneme");
            var values = new float[phonemes.Count * p];
            for (int b = 0; b < phonemes.Count; b++)
                for (int i = 0; i < p; i++) values[b * p + i] = i < starts[b].Count ? starts[b][i] : 1f;
            startTensor = torch.tensor(values, [phonemes.Count, p], device: device);
        }
        return new(torch.tensor(ids, [phonemes.Count, p], device: device), torch.tensor(phonemes.Select(x => (long)x.Count).ToArray(), device: device), startTensor);
    }

    public Tensor Phonemes { get; }
    public Tensor Lengths { get; }
    /// <summary>When each phoneme starts, as a fraction of its example's positions [B, P]; null: spread evenly.</summary>
    public Tensor? Starts { get; }

    /// <summary>The starts, or the even spread i / length when none were given [B, P].</summary>
    public Tensor StartsOrEven()
    {
        if (Starts is not null) return Starts;
        var i = torch.arange(Phonemes.shape[1], dtype: ScalarType.Float32, device: Phonemes.device).unsqueeze(0);
        return i / Lengths.to(ScalarType.Float32).clamp_min(1).unsqueeze(1);
    }
    public override long Batch => Phonemes.shape[0];
    public override Device Device => Phonemes.device;

    public override Condition Null() => new PhonemeCondition(torch.zeros_like(Phonemes), torch.zeros_like(Lengths), Starts is null ? null : torch.zeros_like(Starts));

    public override Condition Concat(Condition other)
    {
        if (other is not PhonemeCondition o) throw new ArgumentException($"cannot join phonemes with {other.GetType().Name}");
        long p = Math.Max(Phonemes.shape[1], o.Phonemes.shape[1]);
        var starts = Starts is null && o.Starts is null ? null : torch.cat([Pad(StartsOrEven(), p, 1), Pad(o.StartsOrEven(), p, 1)]);
        return new PhonemeCondition(torch.cat([Pad(Phonemes, p), Pad(o.Phonemes, p)]), torch.cat([Lengths, o.Lengths]), starts);
    }

    public override Condition RepeatInterleave(long times)
        => new PhonemeCondition(Phonemes.repeat_interleave(times, dim: 0), Lengths.repeat_interleave(times), Starts?.repeat_interleave(times, dim: 0));

    static Tensor Pad(Tensor x, long p, double value = 0) => x.shape[1] == p ? x : nn.functional.pad(x, [0, p - x.shape[1]], value: value);
}
