namespace ResGen.Data;

/// <summary>
/// Deterministic mini-batches without replacement: the examples are visited in a fresh random
/// order every epoch, the order being a pure function of (seed, epoch). Batch s of a run is
/// therefore the same whether or not the run was interrupted and resumed before it.
/// </summary>
public sealed class BatchSampler
{
    readonly int count, batchSize;
    readonly long seed;
    (long Epoch, int[] Order)? cached;

    public BatchSampler(int count, int batchSize, long seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "need at least one example");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        this.count = count;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /// <summary>Example indices of batch <paramref name="step"/> (1-based).</summary>
    public long[] Batch(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        var result = new long[batchSize];
        long first = (step - 1) * batchSize;
        for (int i = 0; i < batchSize; i++)
        {
            long q = first + i;
            result[i] = Order(q / count)[(int)(q % count)];
        }
        return result;
    }

    /// <summary>Epochs completed after <paramref name="step"/> batches.</summary>
    public double Epochs(long step) => (double)step * batchSize / count;

    int[] Order(long epoch)
    {
        if (cached is { } c && c.Epoch == epoch) return c.Order;
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)(seed * 7919 + epoch * 104729 + 17))).Shuffle(order);
        cached = (epoch, order);
        return order;
    }
}
