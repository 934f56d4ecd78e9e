using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens.Speech;

/// <summary>
/// Utterances as log-mel spectrograms, the speech tokenizer's training and evaluation input.
/// A corpus on disk, a list in memory or mels computed on the fly all fit behind it.
/// </summary>
public interface IMelSource
{
    /// <summary>Utterances.</summary>
    int Count { get; }
    /// <summary>Mel bands of every utterance (M).</summary>
    int MelBins { get; }
    /// <summary>Mel frames of utterance <paramref name="index"/> (without reading it, where the source can).</summary>
    long Frames(int index);
    /// <summary>Utterance <paramref name="index"/>'s log-mel [M, T] (float32, CPU); the caller owns it.</summary>
    Tensor Get(int index);
}

/// <summary>Log-mels held in memory ([M, T] each); <see cref="Get"/> hands out copies.</summary>
public sealed class MelList : IMelSource, IDisposable
{
    readonly Tensor[] mels;

    public MelList(IEnumerable<Tensor> utterances)
    {
        mels = [.. utterances.Select(m => m.detach().to(ScalarType.Float32).cpu().clone().DetachFromDisposeScope())];
        if (mels.Length == 0) throw new ArgumentException("a mel list needs at least one utterance");
        for (int i = 0; i < mels.Length; i++)
        {
            if (mels[i].dim() != 2 || mels[i].shape[0] != mels[0].shape[0] || mels[i].shape[1] < 1)
                throw new ArgumentException($"every utterance must be [{mels[0].shape[0]}, T ≥ 1], got [{string.Join(", ", mels[i].shape)}] at {i}");
        }
    }

    public int Count => mels.Length;
    public int MelBins => (int)mels[0].shape[0];
    public long Frames(int index) => mels[index].shape[1];
    public Tensor Get(int index) => mels[index].clone();

    public void Dispose()
    {
        foreach (var m in mels) m.Dispose();
    }
}
