using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Conditioning;

/// <summary>A network output that classifier-free guidance can split into halves and combine.</summary>
public interface IGuidable<T>
{
    /// <summary>Rows <paramref name="start"/>..start+count of the batch.</summary>
    T Rows(long start, long count);
    /// <summary>This (conditional) output moved away from <paramref name="unconditional"/> with weight w.</summary>
    T Guide(T unconditional, float w);
}

/// <summary>
/// Classifier-free guidance, one piece for every sampler: the network runs once on the batch
/// twice over — with the condition, then with the null condition — and the outputs are combined
/// (each output type says how, see <see cref="IGuidable{T}"/>). Samplers call it in place of the network.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <summary>
    /// Calls <paramref name="network"/>(condition, copies) where copies is 1 (unguided) or 2 (the
    /// network must repeat its inputs along the batch, see <see cref="Repeat"/>). With w = 0 and
    /// <paramref name="alwaysDouble"/> false it runs once on the condition alone. Returns the
    /// (guided) output and adds the network passes it cost to <paramref name="passes"/>.
    /// </summary>
    /// <param name="alwaysDouble">Run the doubled batch even at w = 0 (a sampler with a KV cache keeps one batch size).</param>
    public static T Run<T>(Func<Condition, int, T> network, Condition condition, float w, ref int passes, bool alwaysDouble = false)
        where T : IGuidable<T>
    {
        if (w == 0 && !alwaysDouble)
        {
            passes += 1;
            return network(condition, 1);
        }
        var both = network(condition.Concat(condition.Null()), 2);
        passes += 2;
        long b = condition.Batch;
        var cond = both.Rows(0, b);
        return w == 0 ? cond : cond.Guide(both.Rows(b, b), w);
    }

    /// <summary>
    /// The condition encoded once for a whole sampling run: alone (copies = 1), and — when guided —
    /// followed by its null form (copies = 2), in the order <see cref="Run{T}"/> uses.
    /// </summary>
    public static (T Single, T Doubled) EncodeOnce<T>(Func<Condition, T> encode, Condition condition, bool guided)
    {
        using var _ = torch.no_grad();
        var single = encode(condition);
        return (single, guided ? encode(condition.Concat(condition.Null())) : single);
    }

    /// <summary>The batch repeated <paramref name="copies"/> times along dimension 0 (1: unchanged).</summary>
    public static Tensor Repeat(Tensor x, int copies) => copies == 1 ? x : torch.cat(Enumerable.Repeat(x, copies).ToArray());

    /// <summary><see cref="Repeat"/> for an optional tensor.</summary>
    public static Tensor? RepeatOptional(Tensor? x, int copies) => x is null ? null : Repeat(x, copies);
}

/// <summary>Logits over a vocabulary [.., K]; guidance moves them to cond + w·(cond − uncond).</summary>
public sealed record TokenLogits(Tensor Logits) : IGuidable<TokenLogits>
{
    public TokenLogits Rows(long start, long count) => new(Logits.narrow(0, start, count));
    public TokenLogits Guide(TokenLogits unconditional, float w) => new(Logits + w * (Logits - unconditional.Logits));
}
