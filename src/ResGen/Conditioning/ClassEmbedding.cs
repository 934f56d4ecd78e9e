using ResGen.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Conditioning;

/// <summary>
/// Encodes a <see cref="ClassCondition"/> as one vector per example [B, W]: a table of the classes
/// plus one "null" row for the null label (−1). In training mode a share of the labels
/// (<see cref="Dropout"/>) is replaced by the null class, so the same network also learns the
/// unconditional model that classifier-free guidance needs.
/// </summary>
public sealed class ClassEmbedding : nn.Module, IConditionEncoder
{
    readonly Embedding table;

    public ClassEmbedding(int classes, int width, float dropout) : base("class_embedding")
    {
        if (classes < 1) throw new ArgumentException($"classes must be at least 1, got {classes}");
        if (dropout is < 0 or >= 1) throw new ArgumentException($"label dropout must be in [0, 1), got {dropout}");
        Classes = classes;
        Dropout = dropout;
        table = Embedding(classes + 1, width);
        using (torch.no_grad()) init.normal_(table.weight!, 0, 0.02);
        RegisterComponents();
    }

    public int Classes { get; }
    /// <summary>Share of labels replaced by the null class in training mode.</summary>
    public float Dropout { get; }

    /// <summary>Encodes the labels; in training mode drops some with randomness from <paramref name="generator"/>.</summary>
    public Tensor Encode(Condition condition, Generator? generator = null)
    {
        if (condition is not ClassCondition c)
            throw new ArgumentException($"this model is conditioned on class labels, got {condition.GetType().Name}");
        var y = torch.where(c.Labels < 0, torch.full_like(c.Labels, Classes), c.Labels);
        if (training && Dropout > 0)
        {
            var drop = RandomDraw.Rand([y.shape[0]], generator, y.device) < Dropout;
            y = torch.where(drop, torch.full_like(y, Classes), y);
        }
        return table.forward(y);
    }

    /// <summary>The labels as the adaLN vector (after SiLU); no context.</summary>
    EncodedCondition IConditionEncoder.Encode(Condition condition, Generator? generator) => new(functional.silu(Encode(condition, generator)));
}
