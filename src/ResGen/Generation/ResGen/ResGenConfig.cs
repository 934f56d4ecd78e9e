namespace ResGen.Generation;

/// <summary>Shape of the ResGen network (JSON keys are snake_case).</summary>
public sealed record ResGenModelConfig : TransformerModelConfig
{
    /// <summary>Mixture components of the output distribution over the masked embedding sum.</summary>
    [Config.ValueRange(1, 4096)]
    public int MixtureComponents { get; init; } = 16;
    /// <summary>
    /// The mixture head: <c>low_rank</c> (the default: every component's logit, mean and scale from a
    /// low-rank projection, M·(1 + 2·d_z) outputs a position) or <c>affine</c> (M shared prototypes moved
    /// and scaled per position, M + 2·d_z outputs, for hundreds or thousands of components).
    /// </summary>
    public MixtureHeadKind Head { get; init; } = MixtureHeadKind.LowRank;
    /// <summary>Rank of the low-rank output projection that produces the mixture parameters.</summary>
    [Config.ValueRange(1, 65536)]
    public int HeadRank { get; init; } = 64;
    /// <summary>Mask schedule γ shared by training and sampling: cosine, linear, square, cubic, sqrt.</summary>
    public string Schedule { get; init; } = "cosine";
    /// <summary>
    /// Share of training examples masked whole positions at a time (all depths of ⌈γ·L⌉ positions)
    /// instead of by the paper's hypergeometric spread; 0 (the paper) by default. Deep tokens (D = 32
    /// speech) need it: see <see cref="DepthMasking"/>. Validation and `eval tts`'s text check score with
    /// the same mixture, so their NLLs compare only between runs of the same share.
    /// </summary>
    [Config.ValueRange(0, 1)]
    public double WholePositionShare { get; init; }
    /// <summary>
    /// Share of the prompted training examples (text-to-speech) given in the sampler's start state: every
    /// position after the prompt wholly masked, so that the prompt is the only voice the model can read
    /// (random masks leave it the target's own coarse tokens). 0 by default (not in the paper).
    /// </summary>
    [Config.ValueRange(0, 1)]
    public double StartStateShare { get; init; }
    /// <summary>
    /// Adds to every block's adaLN vector a projection of the mean input of the wholly visible positions
    /// (a speech prompt and what is already sampled): a direct path for global properties such as a
    /// voice. Off by default (not in the paper).
    /// </summary>
    public bool KnownSummary { get; init; }
    /// <summary>
    /// What the mixture loss averages over: every position with masked tokens once (<c>positions</c>, the
    /// default) or every masked token, i.e. positions weighted by their masked count k (<c>tokens</c>, as
    /// the token-wise loss counts). The logged NLL stays the per-position mean either way.
    /// </summary>
    public LossWeighting LossWeighting { get; init; } = LossWeighting.Positions;
    /// <summary>
    /// The unit of the predicted masked sums: one latent scale for all (<c>global</c>, the default), or the
    /// measured spread of the masked sum at each masked count k (<c>per_count</c>), so that k = 1 and k = D
    /// targets are of the same size to the network.
    /// </summary>
    public TargetScaling TargetScaling { get; init; } = TargetScaling.Global;

    public override void Validate()
    {
        base.Validate();
        if (MixtureComponents < 1) throw new UserErrorException($"model mixture_components must be at least 1, got {MixtureComponents}.");
        if (HeadRank < 1) throw new UserErrorException($"model head_rank must be at least 1, got {HeadRank}.");
        MaskSchedule.Check(Schedule);
        if (!(WholePositionShare is >= 0 and <= 1)) throw new UserErrorException($"model whole_position_share must lie in 0..1, got {WholePositionShare}.");
        if (!(StartStateShare is >= 0 and <= 1)) throw new UserErrorException($"model start_state_share must lie in 0..1, got {StartStateShare}.");
    }
}

/// <summary>What ResGen's mixture loss averages over (see <see cref="ResGenModelConfig.LossWeighting"/>).</summary>
public enum LossWeighting
{
    /// <summary>Every position with masked tokens counts once.</summary>
    Positions,
    /// <summary>Every masked token counts once: positions weighted by their masked count.</summary>
    Tokens,
}

/// <summary>The unit of ResGen's predicted masked sums (see <see cref="ResGenModelConfig.TargetScaling"/>).</summary>
public enum TargetScaling
{
    /// <summary>One latent scale for every masked count.</summary>
    Global,
    /// <summary>The measured spread of the masked sum at each masked count.</summary>
    PerCount,
}

/// <summary>ResGen's mixture head (see <see cref="ResGenModelConfig.Head"/>).</summary>
public enum MixtureHeadKind
{
    /// <summary>Every component's parameters from a low-rank projection.</summary>
    LowRank,
    /// <summary>Shared prototypes moved and scaled per position.</summary>
    Affine,
}
