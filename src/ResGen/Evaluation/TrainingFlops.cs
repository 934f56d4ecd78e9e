using ResGen.Generation;
using ResGen.Generation.ArResGen;
using ResGen.Generation.MaskGit;
using ResGen.Generation.RqTransformer;
using ResGen.Tokens;

namespace ResGen.Evaluation;

/// <summary>
/// Model FLOPs of one training step of any generator kind, counted from its config: every matrix product
/// at the tokens it is applied to (2 per multiply-add), attention's scores and weighted sums over the
/// sequence each stack sees, the adaLN projections once per sequence, the mixture head's likelihood
/// (2 products of d_z × M a position), times 3 for forward and backward. Embedding lookups, norms and
/// element-wise work are not counted; nor is a text condition's cross-attention (class-conditional models).
/// The same count for every kind, so that kinds compare at equal training compute.
/// </summary>
public static class TrainingFlops
{
    /// <summary>FLOPs of one training step of <paramref name="batch"/> sequences.</summary>
    public static double PerStep(TransformerModelConfig model, TokenLayout tokens, int batch)
        => 3.0 * batch * ForwardPerSequence(model, tokens);

    /// <summary>Forward FLOPs for one sequence of L positions × D depths.</summary>
    public static double ForwardPerSequence(TransformerModelConfig model, TokenLayout tokens)
    {
        long l = tokens.Positions, d = tokens.Depth, dz = tokens.CodeDim, k = tokens.CodebookSize;
        switch (model)
        {
            case ResGenModelConfig m:
                double head = m.Head == MixtureHeadKind.Affine
                    ? Linear(m.Width, m.HeadRank) + Linear(m.HeadRank, m.MixtureComponents + 2 * dz)
                    : Linear(m.Width, m.HeadRank) + Linear(m.HeadRank, m.MixtureComponents * (1 + 2 * dz));
                return l * (Linear(dz, m.Width) + head + Likelihood(m.MixtureComponents, dz)) + Stack(m, m.Layers, l);
            case ArResGenModelConfig m:
                return l * (Linear(dz, m.Width) + Linear(m.Width, m.HeadRank) + Linear(m.HeadRank, m.MixtureComponents * (1 + 2 * dz))
                            + Likelihood(m.MixtureComponents, dz)) + Stack(m, m.Layers, l);
            case MaskGitModelConfig m:
                return l * (Linear(dz, m.Width) + Linear(m.Width, m.HeadRank) + Linear(m.HeadRank, d * k)) + Stack(m, m.Layers, l);
            case RqTransformerModelConfig m:
                // the spatial stack over L positions, then a depth stack over D slots at every position
                double perPosition = d * (Linear(dz, m.Width) + Linear(m.Width, k)) + Stack(m, m.DepthLayers, d);
                return l * Linear(dz, m.Width) + Stack(m, m.Layers, l) + l * perPosition;
            default:
                throw new ArgumentException($"no FLOP count for {model.GetType().Name}", nameof(model));
        }
    }

    static double Linear(long inputs, long outputs) => 2.0 * inputs * outputs;

    /// <summary>The mixture's log-likelihood of a target: squared distances to M means in d_z dimensions (two products).</summary>
    static double Likelihood(long components, long codeDim) => 2 * Linear(codeDim, components);

    /// <summary>A transformer stack of <paramref name="layers"/> blocks over one sequence of <paramref name="tokens"/> tokens.</summary>
    static double Stack(TransformerModelConfig m, int layers, long tokens)
    {
        long w = m.Width, hidden = (long)Math.Round(w * m.MlpRatio);
        double perToken = Linear(w, 3 * w) + Linear(w, w) + Linear(w, hidden) + Linear(hidden, w);
        double attention = 2.0 * 2 * tokens * tokens * w;                     // scores and weighted sums
        double ada = Linear(w, 6 * w);                                        // once per sequence
        return layers * (tokens * perToken + attention + ada) + Linear(w, 2 * w);
    }
}
