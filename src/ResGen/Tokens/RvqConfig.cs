using ResGen.Config;
namespace ResGen.Tokens;

/// <summary>Settings of the residual vector quantizer (JSON keys are snake_case).</summary>
public sealed record RvqConfig
{
    /// <summary>Number of depths D (codebooks applied one after the other).</summary>
    [ValueRange(1, 64)]
    public int Depth { get; init; } = 8;
    /// <summary>Codes per codebook K.</summary>
    [ValueRange(2, 65536)]
    public int CodebookSize { get; init; } = 256;
    /// <summary>Dimension d_z of each code vector (the latent channels).</summary>
    [ValueRange(1, 65536)]
    public int CodeDim { get; init; } = 32;
    /// <summary>Decay of the exponential moving averages that move the codes.</summary>
    [ValueRange(0, 1, MinExclusive = true, MaxExclusive = true)]
    public float EmaDecay { get; init; } = 0.99f;
    /// <summary>Weight of the commitment loss (sum over depths) in the tokenizer loss.</summary>
    [ValueRange(0, 1000)]
    public float CommitmentWeight { get; init; } = 0.25f;
    /// <summary>Lloyd iterations of the k-means initialisation on the first batch.</summary>
    [ValueRange(0, 10_000)]
    public int KMeansIterations { get; init; } = 10;
    /// <summary>A code whose EMA count per batch falls below this is restarted from a batch vector (0 = never).</summary>
    [ValueRange(0, 1e6)]
    public float DeadCodeThreshold { get; init; } = 1f;
    /// <summary>Probability that a training example uses a random number of depths 1..D (quantizer dropout).</summary>
    [ValueRange(0, 1)]
    public float DropoutProbability { get; init; } = 0.25f;

    public void Validate()
    {
        if (Depth < 1 || Depth > 64) throw new UserErrorException($"rvq depth must be in 1..64, got {Depth}.");
        if (CodebookSize < 2 || CodebookSize > 65536) throw new UserErrorException($"rvq codebook_size must be in 2..65536, got {CodebookSize}.");
        if (CodeDim < 1) throw new UserErrorException($"rvq code_dim must be positive, got {CodeDim}.");
        if (EmaDecay is <= 0 or >= 1) throw new UserErrorException($"rvq ema_decay must be in (0, 1), got {EmaDecay}.");
        if (CommitmentWeight < 0) throw new UserErrorException($"rvq commitment_weight must be >= 0, got {CommitmentWeight}.");
        if (KMeansIterations < 0) throw new UserErrorException($"rvq k_means_iterations must be >= 0, got {KMeansIterations}.");
        if (DeadCodeThreshold < 0) throw new UserErrorException($"rvq dead_code_threshold must be >= 0, got {DeadCodeThreshold}.");
        if (DropoutProbability is < 0 or > 1) throw new UserErrorException($"rvq dropout_probability must be in [0, 1], got {DropoutProbability}.");
    }
}
