using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Nn;

/// <summary>
/// Keys and values of the positions an autoregressive model has already processed, per layer, so
/// each new position costs one pass over itself instead of over the whole prefix. Storage for
/// <see cref="Capacity"/> positions is allocated on the first append; <see cref="Advance"/> commits
/// the positions appended to every layer.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor?[] keys, values;

    public KvCache(int layers, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
        Capacity = capacity;
    }

    /// <summary>Positions that fit.</summary>
    public long Capacity { get; }
    /// <summary>Positions committed so far.</summary>
    public long Length { get; private set; }
    public int Layers => keys.Length;

    /// <summary>
    /// Stores the keys and values [B, H, n, dh] of n new positions of <paramref name="layer"/> after
    /// the committed ones and returns all of them, [B, H, Length + n, dh] (views of the storage).
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long n = k.shape[2];
        if (Length + n > Capacity)
            throw new InvalidOperationException($"KV cache holds {Capacity} positions; cannot add {n} after {Length}");
        if (keys[layer] is null)
        {
            keys[layer] = torch.empty([k.shape[0], k.shape[1], Capacity, k.shape[3]], k.dtype, k.device).DetachFromDisposeScope();
            values[layer] = torch.empty([v.shape[0], v.shape[1], Capacity, v.shape[3]], v.dtype, v.device).DetachFromDisposeScope();
        }
        var ks = keys[layer]!;
        var vs = values[layer]!;
        if (ks.shape[0] != k.shape[0])
            throw new ArgumentException($"KV cache was made for batch {ks.shape[0]}, got {k.shape[0]}");
        using (torch.no_grad())
        {
            ks.narrow(2, Length, n).copy_(k);
            vs.narrow(2, Length, n).copy_(v);
        }
        return (ks.narrow(2, 0, Length + n), vs.narrow(2, 0, Length + n));
    }

    /// <summary>Commits <paramref name="n"/> positions appended to every layer.</summary>
    public void Advance(long n)
    {
        if (Length + n > Capacity) throw new InvalidOperationException($"KV cache holds {Capacity} positions; cannot advance {n} after {Length}");
        Length += n;
    }

    public void Dispose()
    {
        foreach (var t in keys) t?.Dispose();
        foreach (var t in values) t?.Dispose();
        Array.Clear(keys);
        Array.Clear(values);
    }
}
