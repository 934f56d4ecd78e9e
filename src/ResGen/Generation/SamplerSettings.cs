using System.Globalization;

namespace ResGen.Generation;

/// <summary>
/// Everything that steers one sampling run; printed with every sample set. One record serves every
/// generator kind: the masked models (ResGen, token-wise) use the steps, schedule and confidence
/// settings; the mixture models (ResGen, AR-ResGen) top-p over components and the draw scale; the
/// token-softmax models (token-wise, RQ-Transformer) the token temperature, top-k and top-p over codes.
/// </summary>
public sealed record SamplerSettings
{
    /// <summary>Sampling steps T (one network call each, two passes with guidance), independent of depth.</summary>
    public int Steps { get; init; } = 16;
    /// <summary>Classifier-free guidance scale w: guided = cond + w·(cond − uncond) (for a mixture see <see cref="Mixture.MixtureGuidance"/>); 0 = conditional only.</summary>
    public float Guidance { get; init; } = 0.75f;
    /// <summary>
    /// Prompt guidance: the unconditional pass of guidance also leaves out the prompt (the leading positions
    /// of <see cref="SampleRequest.PromptPositions"/>), seeing the new part alone from position 0 with no
    /// condition, as training's unprompted examples with their text dropped; so w pushes towards the
    /// prompt's voice as well as the text. ResGen's sampler only; false: the prompt stays in both passes.
    /// </summary>
    public bool GuidePrompt { get; init; }
    /// <summary>How w moves over the steps: "constant", or "linear" (w times the share already revealed).</summary>
    public string GuidanceSchedule { get; init; } = "constant";
    /// <summary>Nucleus (top-p) filter on the mixture components before one is drawn.</summary>
    public float TopP { get; init; } = 0.9f;
    /// <summary>Initial temperature of the Gumbel noise added to confidences; anneals linearly to 0.</summary>
    public float Temperature { get; init; } = 1f;
    /// <summary>0: use the chosen component's mean; s &gt; 0: draw from it with its scale times s.</summary>
    public float DrawScale { get; init; } = 0f;
    /// <summary>How guidance acts on a mixture (ResGen, AR-ResGen): "tilt", "logits" or "extrapolate" (see <see cref="Mixture.MixtureGuidance"/>).</summary>
    public string MixtureGuidance { get; init; } = Mixture.MixtureGuidance.Extrapolate;
    /// <summary>
    /// What a candidate token's confidence is made of: "codes" (the chosen component's log-probability
    /// plus the cumulative log-probability of the re-quantized codes up to that depth) or "component"
    /// (the component's log-probability alone, the same for every depth of a position, as in the paper).
    /// </summary>
    public string Confidence { get; init; } = "codes";
    /// <summary>
    /// How ResGen turns a drawn vector back into codes: the nearest code at each masked depth (<c>nearest</c>,
    /// greedy re-quantization), or a code drawn at each depth from the softmax of −distance / 2σ² with the
    /// chosen component's variance (<c>sample</c>): near-greedy at coarse depths, varied at fine ones.
    /// </summary>
    public CodeChoice CodeChoice { get; init; } = CodeChoice.Nearest;
    /// <summary>Mask schedule γ for the number of tokens left masked after each step.</summary>
    public string Schedule { get; init; } = "cosine";
    /// <summary>Softmax temperature of token draws (token-wise and RQ-Transformer models).</summary>
    public float TokenTemperature { get; init; } = 1f;
    /// <summary>Keep only the k most likely codes before a token draw (0 = all; token-softmax models).</summary>
    public int TopK { get; init; } = 0;

    public void Validate()
    {
        const int MaxSteps = 100_000;
        if (Steps < 1) throw new UserErrorException($"steps must be at least 1, got {Steps}.");
        if (Guidance < 0 || float.IsNaN(Guidance)) throw new UserErrorException($"guidance scale must be >= 0, got {Guidance}.");
        if (GuidanceSchedule is not ("constant" or "linear"))
            throw new UserErrorException($"guidance schedule must be constant or linear, got '{GuidanceSchedule}'.");
        if (!(TopP > 0 && TopP <= 1)) throw new UserErrorException($"top-p must be in (0, 1], got {TopP}.");
        if (Temperature < 0 || float.IsNaN(Temperature)) throw new UserErrorException($"temperature must be >= 0, got {Temperature}.");
        if (DrawScale < 0 || float.IsNaN(DrawScale)) throw new UserErrorException($"draw scale must be >= 0, got {DrawScale}.");
        Mixture.MixtureGuidance.Check(MixtureGuidance);
        if (Confidence is not ("codes" or "component"))
            throw new UserErrorException($"confidence must be codes or component, got '{Confidence}'.");
        MaskSchedule.Check(Schedule);
        if (!(TokenTemperature > 0) || float.IsInfinity(TokenTemperature)) throw new UserErrorException($"token temperature must be positive and finite, got {TokenTemperature}.");
        if (TopK < 0) throw new UserErrorException($"top-k must be >= 0 (0 = off), got {TopK}.");
        // sane maxima (beyond them the output is noise), which also keep every value finite
        if (Steps > MaxSteps) throw new UserErrorException($"steps must be at most {MaxSteps}, got {Steps}.");
        if (!(Guidance <= 100)) throw new UserErrorException($"guidance scale must be at most 100, got {Guidance}.");
        if (!(Temperature <= 100)) throw new UserErrorException($"temperature must be at most 100, got {Temperature}.");
        if (!(DrawScale <= 10)) throw new UserErrorException($"draw scale must be at most 10, got {DrawScale}.");
        if (!(TokenTemperature <= 100)) throw new UserErrorException($"token temperature must be at most 100, got {TokenTemperature}.");
        if (TopK > 1 << 20) throw new UserErrorException($"top-k must be at most {1 << 20}, got {TopK}.");
    }

    /// <summary>Guidance scale at step t (1-based) given the share of tokens revealed before it.</summary>
    public float GuidanceAt(double revealedShare)
        => GuidanceSchedule == "linear" ? (float)(Guidance * revealedShare) : Guidance;

    /// <summary>Confidence-noise temperature at step t of T: linear from Temperature to 0.</summary>
    public float TemperatureAt(int t) => Temperature * (1f - (float)t / Steps);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"steps={Steps} guidance={Guidance:0.###} ({GuidanceSchedule}{(GuidePrompt ? ", prompt" : "")}) top_p={TopP:0.###} temperature={Temperature:0.###} draw_scale={DrawScale:0.###} mixture_guidance={MixtureGuidance} confidence={Confidence}{(CodeChoice == CodeChoice.Nearest ? "" : " code_choice=sample")} schedule={Schedule} token_temperature={TokenTemperature:0.###} top_k={TopK}");
}

/// <summary>How ResGen's sampler picks the codes of a drawn vector (see <see cref="SamplerSettings.CodeChoice"/>).</summary>
public enum CodeChoice
{
    /// <summary>The nearest code at each depth (greedy re-quantization).</summary>
    Nearest,
    /// <summary>A code drawn at each depth from the softmax of −distance / 2σ².</summary>
    Sample,
}
