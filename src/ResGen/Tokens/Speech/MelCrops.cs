using ResGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens.Speech;

/// <summary>
/// Dense training batches of fixed-length crops: batch s takes the utterances of
/// <see cref="BatchSampler"/>'s batch s and, from each, <c>crop</c> frames at an offset drawn from
/// a generator seeded by (seed, step), so a resumed run sees the very same crops. An utterance
/// shorter than the crop is taken whole and padded with silence; the batch then carries lengths.
/// </summary>
public sealed class MelCrops
{
    readonly IMelSource source;
    readonly BatchSampler sampler;
    readonly int crop;
    readonly long seed;
    readonly float padValue;

    public MelCrops(IMelSource source, int batchSize, int cropFrames, long seed, double padLogMel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cropFrames, 1);
        this.source = source;
        sampler = new BatchSampler(source.Count, batchSize, seed);
        crop = cropFrames;
        this.seed = seed;
        padValue = (float)padLogMel;
    }

    /// <summary>Epochs completed after <paramref name="step"/> batches.</summary>
    public double Epochs(long step) => sampler.Epochs(step);

    /// <summary>The utterances batch <paramref name="step"/> is cropped from, in order (e.g. to look up their speakers).</summary>
    public long[] Utterances(long step) => sampler.Batch(step);

    /// <summary>Batch <paramref name="step"/> (1-based): log-mel [B, M, crop] and frame lengths [B] (null when every crop is full).</summary>
    public (Tensor Mels, Tensor? Lengths) Batch(long step, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var ids = sampler.Batch(step);
        var rng = new Random(unchecked((int)(seed * 1_000_003 + step * 7_919 + 11)));
        var parts = new Tensor[ids.Length];
        var lengths = new long[ids.Length];
        bool padded = false;
        for (int i = 0; i < ids.Length; i++)
        {
            var mel = source.Get((int)ids[i]);
            long frames = mel.shape[1];
            if (frames >= crop)
            {
                long offset = rng.NextInt64(frames - crop + 1);
                parts[i] = mel[.., (int)offset..(int)(offset + crop)];
                lengths[i] = crop;
            }
            else
            {
                parts[i] = nn.functional.pad(mel, [0, crop - frames], value: padValue);
                lengths[i] = frames;
                padded = true;
            }
        }
        var batch = torch.stack(parts).to(device).MoveToOuterDisposeScope();
        var len = padded ? torch.tensor(lengths, device: device).MoveToOuterDisposeScope() : null;
        return (batch, len);
    }
}
