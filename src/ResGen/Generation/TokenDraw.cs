using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Generation;

/// <summary>
/// A draw of one code per row from logits over a codebook [.., K], for the models that predict
/// tokens with a softmax (token-wise masked model, RQ-Transformer): temperature, then top-k, then
/// top-p (nucleus) filtering; returns the codes and their log-probabilities under the unfiltered
/// softmax at temperature 1 (what a confidence score should read).
/// </summary>
public static class TokenDraw
{
    public static (Tensor Index, Tensor LogProb) Sample(Tensor logits, float temperature, int topK, float topP, Generator generator)
    {
        var lead = logits.shape[..^1];
        long k = logits.shape[^1];
        var flat = logits.reshape(-1, k).to(ScalarType.Float32);
        var scaled = flat / temperature;
        if (topK > 0 && topK < k)
        {
            var kth = scaled.topk(topK, dim: 1).values.narrow(1, topK - 1, 1);
            scaled = scaled.masked_fill(scaled < kth, double.NegativeInfinity);
        }
        var probs = functional.softmax(scaled, -1);
        if (topP < 1)
        {
            var sorted = torch.sort(probs, dim: 1, descending: true);
            var keepSorted = (sorted.values.cumsum(1) - sorted.values) < topP;   // the most likely code always stays
            var keep = torch.zeros_like(keepSorted).scatter(1, sorted.indices, keepSorted);
            probs = probs * keep.to(probs.dtype);
            probs = probs / probs.sum(1, keepdim: true);
        }
        var choice = RandomDraw.Multinomial(probs, 1, generator);
        var logp = functional.log_softmax(flat, -1).gather(1, choice);
        return (choice.reshape(lead), logp.reshape(lead));
    }
}
