namespace ResGen.Generation;

/// <summary>Shape of the ResGen network (JSON keys are snake_case).</summary>
public sealed record ResGenModelConfig : TransformerModelConfig
{
    /// <summary>Mixture components of the output distribution over the masked embedding sum.</summary>
    public int MixtureComponents { get; init; } = 16;
    /// <summary>Rank of the low-rank output projection that produces the mixture parameters.</summary>
    public int HeadRank { get; init; } = 64;
    /// <summary>Mask schedule γ shared by training and sampling: cosine, linear, square, cubic, sqrt.</summary>
    public string Schedule { get; init; } = "cosine";
    /// <summary>
    /// Share of training examples masked whole positions at a time (all depths of ⌈γ·L⌉ positions)
    /// instead of by the paper's hypergeometric spread; 0 (the paper) by default. Deep tokens (D = 32
    /// speech) need it: see <see cref="DepthMasking"/>. Validation and `eval tts`'s text check score with
    /// the same mixture, so their NLLs compare only between runs of the same share.
    /// </summary>
    public double WholePositionShare { get; init; }
    /// <summary>
    /// Share of the prompted training examples (text-to-speech) given in the sampler's start state: every
    /// position after the prompt wholly masked, so that the prompt is the only voice the model can read
    /// (random masks leave it the target's own coarse tokens). 0 by default (not in the paper).
    /// </summary>
    public double StartStateShare { get; init; }
    /// <summary>
    /// Adds to every block's adaLN vector a projection of the mean input of the wholly visible positions
    /// (a speech prompt and what is already sampled): a direct path for global properties such as a
    /// voice. Off by default (not in the paper).
    /// </summary>
    public bool KnownSummary { get; init; }

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
