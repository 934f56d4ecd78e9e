using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>
/// A batch seen without its prompts, for the unconditional pass of prompt guidance: each example's first
/// s_b positions (its prompt) are cut, so that what follows starts at position 0 and the positions freed
/// at the end are padding — the layout of training's unprompted examples. Outputs asked for at a
/// position r of the whole sequence are asked for at r − s_b here (prompt positions, which the sampler
/// never changes, read position 0).
/// </summary>
public sealed class PromptDrop
{
    readonly Tensor shift;    // [B, 1]
    readonly Tensor source;   // [B, L]: the position of the whole sequence each position here shows

    /// <param name="promptPositions">Prompt positions s_b per example [B] (int64; 0 = no prompt).</param>
    /// <param name="valid">Real positions of the whole sequences [B, L] (null: all).</param>
    /// <param name="positions">L.</param>
    public PromptDrop(Tensor promptPositions, Tensor? valid, int positions)
    {
        var device = promptPositions.device;
        shift = promptPositions.to(ScalarType.Int64).unsqueeze(1);
        var j = torch.arange(positions, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var lengths = valid is null ? torch.full(shift.shape, positions, ScalarType.Int64, device: device) : valid.to(ScalarType.Int64).sum(1, keepdim: true);
        Valid = j < lengths - shift;
        source = (j + shift).clamp_max(positions - 1);
    }

    /// <summary>Real positions without the prompts [B, L]: the first length_b − s_b.</summary>
    public Tensor Valid { get; }

    /// <summary>
    /// Throws unless <paramref name="promptPositions"/> is [B] with 0 ≤ s_b &lt; length_b (a prompt leaves at
    /// least one position to sample); host check, once per request.
    /// </summary>
    public static void Check(Tensor promptPositions, long batch, Tensor? lengths, int positions)
    {
        if (promptPositions.dim() != 1 || promptPositions.shape[0] != batch)
            throw new ArgumentException($"prompt positions must be [{batch}], got [{string.Join(", ", promptPositions.shape)}]");
        var s = promptPositions.cpu().to(ScalarType.Int64);
        var len = lengths?.cpu().to(ScalarType.Int64) ?? torch.full(batch, positions, ScalarType.Int64);
        if ((s < 0).any().item<bool>() || (s >= len).any().item<bool>())
            throw new ArgumentException("each prompt must leave at least one position to sample (0 <= prompt positions < length)");
    }

    /// <summary>
    /// Per-position values [B, L] or [B, L, C] of the whole sequences shifted left by each prompt, with
    /// <paramref name="fill"/> at the freed positions.
    /// </summary>
    public Tensor Shift(Tensor x, double fill)
    {
        var at = x.dim() == 2 ? source : source.unsqueeze(-1).expand(x.shape);
        var shifted = x.gather(1, at);
        var keep = x.dim() == 2 ? Valid : Valid.unsqueeze(-1);
        return torch.where(keep, shifted, torch.full_like(shifted, fill));
    }

    /// <summary>Rows [B, N] of the whole sequences as rows here (prompt rows read row 0).</summary>
    public Tensor Rows(Tensor rows) => (rows - shift).clamp_min(0);
}
