using static TorchSharp.torch;

namespace ResGen.Data;

/// <summary>
/// Random horizontal flips of training pictures: each picture of a step's batch is mirrored
/// left-right with probability 1/2. Which ones is a pure function of (seed, step), so a run that was
/// interrupted and resumed sees the same pictures as one that was not.
/// </summary>
public static class MirroredBatches
{
    /// <summary>The batches of <paramref name="inner"/> with about half of each batch mirrored.</summary>
    public static IStepBatches Mirrored(this IStepBatches inner, long seed)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new Batches(inner, seed);
    }

    /// <summary>Whether each of the <paramref name="count"/> pictures of <paramref name="step"/> is mirrored.</summary>
    public static bool[] Choices(long seed, long step, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(unchecked((int)(seed * 1_000_003 + step * 7_368_787 + 91)));
        var choice = new bool[count];
        for (int i = 0; i < count; i++) choice[i] = random.Next(2) == 1;
        return choice;
    }

    /// <summary>Pictures [B, C, H, W] with the rows of <paramref name="choice"/> mirrored (a new tensor).</summary>
    public static Tensor Apply(Tensor images, bool[] choice)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(choice);
        if (images.dim() != 4 || images.shape[0] != choice.Length)
            throw new ArgumentException($"expected [{choice.Length}, C, H, W] pictures, got [{string.Join(", ", images.shape)}].", nameof(images));
        using var mask = tensor(choice, device: images.device).view(-1, 1, 1, 1);
        using var mirrored = images.flip(3);
        return where(mask, mirrored, images);
    }

    sealed class Batches(IStepBatches inner, long seed) : IStepBatches
    {
        public (Tensor Images, Tensor Labels) Get(long step, Device? device = null)
        {
            var (images, labels) = inner.Get(step, device);
            var flipped = Apply(images, Choices(seed, step, (int)images.shape[0]));
            images.Dispose();
            return (flipped, labels);
        }

        public void Dispose() => inner.Dispose();
    }
}
