using ResGen.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tokens;

/// <summary>What one pass of the quantizer returns.</summary>
/// <param name="Quantized">Sum of the chosen code vectors [.., d_z]; in training mode with the
/// straight-through estimator applied (the encoder receives the decoder's gradient).</param>
/// <param name="Indices">Chosen codes [.., D] (int64). Depths dropped by quantizer dropout hold -1.</param>
/// <param name="Commitment">Commitment loss per depth [D] (mean squared distance between each
/// level's residual and its code, codes held fixed); zero for levels that were dropped.</param>
public sealed record QuantizerOutput(Tensor Quantized, Tensor Indices, Tensor Commitment);

/// <summary>
/// Residual vector quantizer: D codebooks of K vectors in R^d_z. Depth j quantizes what the
/// previous depths left over, greedily (nearest code). Codebooks are not trained by gradients:
/// they follow exponential moving averages of the vectors assigned to them, are initialised by
/// k-means on the first training batch, and codes that fall out of use are restarted from vectors
/// of the current batch. All maths runs in fp32 whatever the caller's dtype.
/// </summary>
public sealed class ResidualVectorQuantizer : nn.Module
{
    readonly RvqConfig cfg;
    // Buffers (saved with the model): codebooks [D,K,dz], EMA counts [D,K], EMA sums [D,K,dz],
    // and a flag that k-means initialisation has run.
    readonly Tensor codebooks, cluster_size, embed_sum, initialized;

    public ResidualVectorQuantizer(RvqConfig config) : base("rvq")
    {
        config.Validate();
        cfg = config;
        codebooks = torch.randn(config.Depth, config.CodebookSize, config.CodeDim) * 0.01f;
        cluster_size = torch.zeros(config.Depth, config.CodebookSize);
        embed_sum = codebooks.clone();
        initialized = torch.zeros(1);
        register_buffer(nameof(codebooks), codebooks);
        register_buffer(nameof(cluster_size), cluster_size);
        register_buffer(nameof(embed_sum), embed_sum);
        register_buffer(nameof(initialized), initialized);
    }

    public int Depth => cfg.Depth;
    public int CodebookSize => cfg.CodebookSize;
    public int CodeDim => cfg.CodeDim;
    public float DropoutProbability => cfg.DropoutProbability;
    public float CommitmentWeight => cfg.CommitmentWeight;

    /// <summary>The codebooks [D, K, d_z] (a live view of the buffer; do not modify).</summary>
    public Tensor Codebooks => codebooks;

    /// <summary>True once k-means initialisation has run (or a trained state was loaded).</summary>
    /// <remarks>Read from the buffer (a host synchronisation) only until it is first seen true.</remarks>
    public bool IsInitialized
    {
        get
        {
            if (initializedSeen) return true;
            using var scope = torch.NewDisposeScope();
            return initializedSeen = initialized.cpu().item<float>() > 0;
        }
    }

    bool initializedSeen;

    /// <summary>
    /// Quantizes <paramref name="z"/> [.., d_z]. In training mode: k-means initialisation on the
    /// first call, EMA codebook updates, dead-code restarts, and quantizer dropout
    /// (<paramref name="activeDepths"/> [..] gives, per vector, how many depths to use; null = all).
    /// In eval mode the returned vector is exactly the sum of the chosen codes.
    /// </summary>
    public QuantizerOutput Quantize(Tensor z, Tensor? activeDepths = null, Generator? generator = null)
    {
        if (z.shape[^1] != cfg.CodeDim)
            throw new ArgumentException($"expected last dimension {cfg.CodeDim}, got shape [{string.Join(", ", z.shape)}]");
        var lead = z.shape[..^1];
        var flat = z.reshape(-1, cfg.CodeDim).to(ScalarType.Float32);
        long n = flat.shape[0];
        var active = activeDepths?.reshape(-1).to(flat.device);

        if (training && !IsInitialized) KMeansInit(flat.detach(), generator);

        var residual = flat;
        var quantized = torch.zeros_like(flat);
        var indices = new Tensor[cfg.Depth];
        var commit = new Tensor[cfg.Depth];
        var depthRange = torch.arange(cfg.Depth, device: flat.device);
        for (int j = 0; j < cfg.Depth; j++)
        {
            var book = codebooks[j];
            var idx = Nearest(residual.detach(), book);
            var q = book.index_select(0, idx);
            Tensor? w = active is null ? null : (active > j).to(ScalarType.Float32); // [n] 1 = level used
            var err = (residual - q.detach()).pow(2).mean([1]);
            if (w is null)
            {
                commit[j] = err.mean();
                quantized = quantized + q;
                indices[j] = idx;
            }
            else
            {
                commit[j] = (err * w).sum() / w.sum().clamp_min(1f);
                quantized = quantized + q * w.unsqueeze(1);
                indices[j] = torch.where(w > 0, idx, torch.full_like(idx, -1));
            }
            if (training) EmaUpdate(j, residual.detach(), idx, w, generator);
            residual = residual - q.detach();
        }
        var idxAll = torch.stack(indices, 1).reshape([.. lead, cfg.Depth]);
        Tensor outFlat = training ? flat + (quantized - flat).detach() : quantized;
        var output = outFlat.reshape([.. lead, cfg.CodeDim]).to(z.dtype);
        return new QuantizerOutput(output, idxAll, torch.stack(commit));
    }

    /// <summary>Greedy residual encoding: indices [.., D] (int64). Never updates the codebooks.</summary>
    public Tensor Encode(Tensor z)
    {
        using var _ = torch.no_grad();
        var lead = z.shape[..^1];
        var r = z.reshape(-1, cfg.CodeDim).to(ScalarType.Float32);
        var idx = new Tensor[cfg.Depth];
        for (int j = 0; j < cfg.Depth; j++)
        {
            idx[j] = Nearest(r, codebooks[j]);
            r = r - codebooks[j].index_select(0, idx[j]);
        }
        return torch.stack(idx, 1).reshape([.. lead, cfg.Depth]);
    }

    /// <summary>Sum of the code vectors of all depths: [.., D] indices → [.., d_z].</summary>
    public Tensor Decode(Tensor indices) => Embed(indices, null);

    /// <summary>
    /// Summed embedding of a subset of depths per position. <paramref name="indices"/> [.., D];
    /// <paramref name="mask"/> [.., D] (bool or 0/1; null = every depth). Entries that are masked
    /// out (or negative indices) contribute nothing.
    /// </summary>
    public Tensor Embed(Tensor indices, Tensor? mask)
    {
        CheckIndices(indices);
        var lead = indices.shape[..^1];
        var idx = indices.reshape(-1, cfg.Depth);
        var valid = idx >= 0;
        if (mask is not null) valid = valid.logical_and(mask.reshape(-1, cfg.Depth).to(ScalarType.Bool));
        var offsets = torch.arange(cfg.Depth, device: idx.device) * cfg.CodebookSize;
        var flatIdx = (idx.clamp_min(0) + offsets).reshape(-1);
        var vec = codebooks.reshape(-1, cfg.CodeDim).index_select(0, flatIdx).reshape(-1, cfg.Depth, cfg.CodeDim);
        var sum = (vec * valid.unsqueeze(-1).to(vec.dtype)).sum(1);
        return sum.reshape([.. lead, cfg.CodeDim]);
    }

    /// <summary>
    /// Splits each position at <paramref name="visible"/> [..]: the summed embedding of depths
    /// j &lt; visible (the visible prefix) and of depths j ≥ visible (the masked suffix), both [.., d_z].
    /// </summary>
    public (Tensor Prefix, Tensor Suffix) EmbedSplit(Tensor indices, Tensor visible)
    {
        var lead = indices.shape[..^1];
        var vec = CodeVectors(indices).reshape(-1, cfg.Depth, cfg.CodeDim);
        var prefixMask = PrefixMask(visible.reshape(-1), cfg.Depth).unsqueeze(-1).to(vec.dtype);
        var prefix = (vec * prefixMask).sum(1);
        var suffix = vec.sum(1) - prefix;
        return (prefix.reshape([.. lead, cfg.CodeDim]), suffix.reshape([.. lead, cfg.CodeDim]));
    }

    /// <summary>The code vector of every depth: indices [.., D] → [.., D, d_z] (negative indices read code 0).</summary>
    public Tensor CodeVectors(Tensor indices)
    {
        CheckIndices(indices);
        var lead = indices.shape[..^1];
        var idx = indices.reshape(-1, cfg.Depth).clamp_min(0);
        var offsets = torch.arange(cfg.Depth, device: idx.device) * cfg.CodebookSize;
        var vec = codebooks.reshape(-1, cfg.CodeDim).index_select(0, (idx + offsets).reshape(-1));
        return vec.reshape([.. lead, cfg.Depth, cfg.CodeDim]);
    }

    /// <summary>
    /// Summed embedding of the first <paramref name="visible"/> depths per position
    /// (<paramref name="visible"/> [..] int64, same leading shape as indices).
    /// </summary>
    public Tensor EmbedPrefix(Tensor indices, Tensor visible) => Embed(indices, PrefixMask(visible, cfg.Depth));

    /// <summary>Boolean mask [.., D] that is true for depths j &lt; visible.</summary>
    public static Tensor PrefixMask(Tensor visible, int depth)
        => torch.arange(depth, device: visible.device) < visible.unsqueeze(-1);

    internal void CheckIndices(Tensor indices)
    {
        if (indices.shape[^1] != cfg.Depth)
            throw new ArgumentException($"expected {cfg.Depth} depths in the last dimension, got shape [{string.Join(", ", indices.shape)}]");
    }

    static Tensor Nearest(Tensor r, Tensor book) => Distances(r, book).argmin(1);

    /// <summary>|r − c|² − |r|² for every vector and code [N, K] (|r|² changes neither argmin nor softmax).</summary>
    internal static Tensor Distances(Tensor r, Tensor book)
        => Distances(r, book, book.pow(2).sum(1));

    /// <summary><see cref="Distances(Tensor, Tensor)"/> with the codes' squared norms [K] given.</summary>
    internal static Tensor Distances(Tensor r, Tensor book, Tensor norms)
        => torch.addmm(norms.unsqueeze(0), r, book.t(), beta: 1, alpha: -2);

    void EmaUpdate(int j, Tensor r, Tensor idx, Tensor? w, Generator? generator)
    {
        using var _ = torch.no_grad();
        var weight = w ?? torch.ones(r.shape[0], device: r.device);
        var counts = torch.zeros(cfg.CodebookSize, device: r.device).index_add_(0, idx, weight, 1);
        var sums = torch.zeros(cfg.CodebookSize, cfg.CodeDim, device: r.device).index_add_(0, idx, r * weight.unsqueeze(1), 1);
        float d = cfg.EmaDecay;
        var cs = cluster_size[j];
        var es = embed_sum[j];
        cs.mul_(d).add_(counts, alpha: 1 - d);
        es.mul_(d).add_(sums, alpha: 1 - d);

        if (cfg.DeadCodeThreshold > 0)
        {
            // Restart codes whose EMA usage fell below the threshold with random vectors of this
            // batch (only vectors that this level actually quantized). No host synchronisation.
            var dead = cs < cfg.DeadCodeThreshold;
            var pick = RandomDraw.Multinomial(weight + 1e-12f, cfg.CodebookSize, generator, replacement: true);
            var fresh = r.index_select(0, pick);
            var restartCount = torch.full_like(cs, cfg.DeadCodeThreshold);
            var newCs = torch.where(dead, restartCount, cs);
            es.copy_(torch.where(dead.unsqueeze(1), fresh * restartCount.unsqueeze(1), es));
            cs.copy_(newCs);
        }
        // Laplace smoothing keeps unused codes from dividing by zero.
        var total = cs.sum();
        var smoothed = (cs + 1e-5f) / (total + cfg.CodebookSize * 1e-5f) * total;
        codebooks[j].copy_(es / smoothed.unsqueeze(1));
    }

    /// <summary>
    /// k-means++ seeding: each further seed is a data vector drawn with probability proportional
    /// to its squared distance from the nearest seed so far (spreads the seeds over the clusters).
    /// </summary>
    Tensor KMeansPlusPlusSeeds(Tensor r, Generator? generator)
    {
        long n = r.shape[0];
        int k = cfg.CodebookSize;
        var chosen = torch.empty(k, ScalarType.Int64, device: r.device);
        var first = RandomDraw.RandInt(0, n, [1], generator, r.device);
        chosen[..1].copy_(first);
        var best = (r - r.index_select(0, first)).pow(2).sum(1);
        for (int i = 1; i < k; i++)
        {
            using var scope = torch.NewDisposeScope();
            // all-zero distances (fewer distinct vectors than codes): fall back to uniform draws
            var weights = best + 1e-12f;
            var next = RandomDraw.Multinomial(weights, 1, generator);
            chosen[i..(i + 1)].copy_(next);
            best.copy_(best.minimum((r - r.index_select(0, next)).pow(2).sum(1)));
        }
        return r.index_select(0, chosen).clone();
    }

    /// <summary>
    /// Level-by-level k-means on <paramref name="z"/> [N, d_z]: depth 1 on the vectors, depth 2 on
    /// what depth 1 leaves, and so on. Sets the codebooks and their EMA statistics.
    /// </summary>
    public void KMeansInit(Tensor z, Generator? generator = null)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var r = z.reshape(-1, cfg.CodeDim).to(ScalarType.Float32);
        long n = r.shape[0];
        for (int j = 0; j < cfg.Depth; j++)
        {
            var centroids = KMeansPlusPlusSeeds(r, generator);
            var counts = torch.zeros(cfg.CodebookSize, device: r.device);
            for (int it = 0; it < cfg.KMeansIterations; it++)
            {
                var assign = Nearest(r, centroids);
                counts = torch.zeros(cfg.CodebookSize, device: r.device).index_add_(0, assign, torch.ones(n, device: r.device), 1);
                var sums = torch.zeros(cfg.CodebookSize, cfg.CodeDim, device: r.device).index_add_(0, assign, r, 1);
                var empty = (counts == 0).unsqueeze(1);
                centroids = torch.where(empty, centroids, sums / counts.clamp_min(1).unsqueeze(1));
            }
            var final = Nearest(r, centroids);
            counts = torch.zeros(cfg.CodebookSize, device: r.device).index_add_(0, final, torch.ones(n, device: r.device), 1);
            // Start the EMA counts at the share each code got, at least the restart threshold so
            // that a code is not declared dead before it had a chance.
            var cs = counts.clamp_min(Math.Max(cfg.DeadCodeThreshold, 1f));
            codebooks[j].copy_(centroids);
            cluster_size[j].copy_(cs);
            embed_sum[j].copy_(centroids * cs.unsqueeze(1));
            r = r - centroids.index_select(0, final);
        }
        initialized.fill_(1);
    }
}
