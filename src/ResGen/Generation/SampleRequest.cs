using ResGen.Conditioning;
using ResGen.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>Tokens given in advance (inpainting, a speech prompt): a known prefix of depths per position.</summary>
/// <param name="Indices">[B, L, D]; only depths below <paramref name="Depths"/> are read.</param>
/// <param name="Depths">Known depths per position [B, L] (0 = nothing known, D = the whole position).</param>
public sealed record KnownTokens(Tensor Indices, Tensor Depths)
{
    /// <summary>Throws unless the shapes are [B, L, D] and [B, L] and the depths lie in 0..D.</summary>
    public void Check(long batch, long positions, int depth)
    {
        if (Indices.dim() != 3 || Indices.shape[0] != batch || Indices.shape[1] != positions || Indices.shape[2] != depth)
            throw new ArgumentException($"known indices must be [{batch}, {positions}, {depth}], got [{string.Join(", ", Indices.shape)}]");
        if (Depths.dim() != 2 || Depths.shape[0] != batch || Depths.shape[1] != positions)
            throw new ArgumentException($"known depths must be [{batch}, {positions}], got [{string.Join(", ", Depths.shape)}]");
        if ((Depths < 0).any().item<bool>() || (Depths > depth).any().item<bool>())   // host: the request is checked once, before sampling
            throw new ArgumentException($"known depths must lie in 0..{depth}");
    }
}

/// <summary>What to sample: a condition per example (its batch size is the request's), settings, and optionally known tokens and lengths.</summary>
/// <param name="Condition">What each example should be (class labels, ...); its device is the sampling device.</param>
/// <param name="Settings">Sampler settings; each generator kind reads the ones that apply to it.</param>
public sealed record SampleRequest(Condition Condition, SamplerSettings Settings)
{
    /// <summary>Tokens that are given and never re-sampled.</summary>
    public KnownTokens? Known { get; init; }
    /// <summary>Real length of each example [B], 1..L, for variable-length data (null: all L positions).</summary>
    public Tensor? Lengths { get; init; }
    /// <summary>
    /// Leading positions of each example [B] that are its prompt (known tokens that are not part of what
    /// is sampled: a speech prompt), for <see cref="SamplerSettings.GuidePrompt"/>; null: none.
    /// </summary>
    public Tensor? PromptPositions { get; init; }
    /// <summary>Keep every intermediate state (for pictures and debugging).</summary>
    public bool KeepSteps { get; init; }

    /// <summary>
    /// Positions to sample: the width of the known tokens when given (a sequence model then samples no
    /// more positions than the batch needs), else the model's <paramref name="max"/>.
    /// </summary>
    public int PositionsWithin(int max)
    {
        long p = Known?.Indices.shape[1] ?? max;
        if (p < 1 || p > max) throw new ArgumentException($"the known tokens span {p} positions but the model reads 1..{max}");
        return (int)p;
    }

    /// <summary>
    /// What every sampler starts from, checked: the tokens [B, L, D] (the known ones, zeros elsewhere), the
    /// known depths per position [B, L] and the real positions [B, L] (null: all), on the condition's device.
    /// </summary>
    public (Tensor Indices, Tensor KnownDepths, Tensor? Valid) Start(int positions, int depth)
    {
        Settings.Validate();
        long b = Condition.Batch;
        var device = Condition.Device;
        Known?.Check(b, positions, depth);
        if (Lengths is { } lengths) TokenBatch.CheckLengths(lengths, b, positions);
        if (PromptPositions is { } prompts) PromptDrop.Check(prompts, b, Lengths, positions);
        var valid = Lengths is null ? null : TokenBatch.ValidMask(Lengths.to(device), positions);
        var idx = Known is null ? torch.zeros(b, positions, depth, ScalarType.Int64, device: device) : Known.Indices.to(device).to(ScalarType.Int64).clone();
        var known = Known is null ? torch.zeros(b, positions, ScalarType.Int64, device: device) : Known.Depths.to(device).to(ScalarType.Int64).clone();
        return (idx, known, valid);
    }
}

/// <summary>One intermediate state of a sampling run: indices [B, L, D] and visible depths [B, L].</summary>
public sealed record SampleStep(int Step, Tensor Indices, Tensor Visible);

/// <summary>The outcome of a sampling run.</summary>
/// <param name="Indices">The sampled tokens [B, L, D].</param>
/// <param name="NetworkCalls">Sequential predictions (steps for masked models, L or L·D for autoregressive ones).</param>
/// <param name="NetworkPasses">Passes of a network over the batch: a guided call counts two; the RQ-Transformer's L spatial passes count too.</param>
/// <param name="Steps">Intermediate states, when asked for.</param>
public sealed record SampleResult(Tensor Indices, int NetworkCalls, int NetworkPasses, IReadOnlyList<SampleStep> Steps);
