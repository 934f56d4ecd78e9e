using ResGen.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Nn;

/// <summary>Learned position embeddings for the positions of a token layout: position indices [n] (int64) → [n, W].</summary>
public static class PositionEmbedding
{
    /// <summary>Row + column tables for a 2-D grid; one table of the maximum length for a 1-D sequence.</summary>
    public static Module<Tensor, Tensor> For(TokenLayout layout, int width) => layout.Layout switch
    {
        PositionLayout.Grid => new GridPositionEmbedding(layout.GridHeight, layout.GridWidth, width),
        PositionLayout.Sequence => new SequencePositionEmbedding(layout.Positions, width),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout.Layout, "unknown position layout"),
    };
}

/// <summary>2-D learned embedding of row-major grid positions: row table + column table.</summary>
public sealed class GridPositionEmbedding : Module<Tensor, Tensor>
{
    readonly Embedding row_emb, col_emb;
    readonly int columns;

    public GridPositionEmbedding(int rows, int columns, int width) : base("grid_positions")
    {
        if (rows < 1 || columns < 1) throw new ArgumentException($"grid must be at least 1×1, got {rows}×{columns}");
        this.columns = columns;
        row_emb = Embedding(rows, width);
        col_emb = Embedding(columns, width);
        using (torch.no_grad()) { init.normal_(row_emb.weight!, 0, 0.02); init.normal_(col_emb.weight!, 0, 0.02); }
        RegisterComponents();
    }

    public override Tensor forward(Tensor positions)
        => row_emb.forward(positions.div(columns, rounding_mode: RoundingMode.floor)) + col_emb.forward(positions.remainder(columns));
}

/// <summary>1-D learned embedding of sequence positions 0..max−1.</summary>
public sealed class SequencePositionEmbedding : Module<Tensor, Tensor>
{
    readonly Embedding table;

    public SequencePositionEmbedding(int maxLength, int width) : base("sequence_positions")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        table = Embedding(maxLength, width);
        using (torch.no_grad()) init.normal_(table.weight!, 0, 0.02);
        RegisterComponents();
    }

    public override Tensor forward(Tensor positions) => table.forward(positions);
}
