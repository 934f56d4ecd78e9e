using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ResGen.Tests.Training;

/// <summary>A pre-norm residual MLP block, shaped like a transformer's feed-forward half.</summary>
internal sealed class TinyBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm;
    private readonly Linear up;
    private readonly Linear down;

    public TinyBlock(int width) : base(nameof(TinyBlock))
    {
        norm = nn.LayerNorm(width);
        up = nn.Linear(width, 4 * width);
        down = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x + down.forward(nn.functional.gelu(up.forward(norm.forward(x))));
}

/// <summary>Embedding, a few residual blocks and a head: small but with 1-D and 2-D parameters.</summary>
internal sealed class TinyMlp : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly ModuleList<TinyBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public TinyMlp(int vocab = 32, int width = 16, int depth = 2) : base(nameof(TinyMlp))
    {
        embed = nn.Embedding(vocab, width);
        blocks = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new TinyBlock(width)).ToArray());
        norm = nn.LayerNorm(width);
        head = nn.Linear(width, vocab);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        var x = embed.forward(tokens);
        foreach (var block in blocks)
        {
            x = block.forward(x);
        }

        return head.forward(norm.forward(x));
    }

    /// <summary>Cross-entropy of predicting the next token; a fixed toy objective.</summary>
    public Tensor Loss(Tensor tokens, Tensor targets)
    {
        var logits = forward(tokens);
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
    }

    /// <summary>Two identically initialised copies.</summary>
    public static (TinyMlp A, TinyMlp B) Twins(int vocab = 32, int width = 16, int depth = 2)
    {
        var a = new TinyMlp(vocab, width, depth);
        var b = new TinyMlp(vocab, width, depth);
        b.load_state_dict(a.state_dict());
        return (a, b);
    }

    public static (Tensor Tokens, Tensor Targets) Batch(int batch = 4, int length = 8, int vocab = 32) =>
        (torch.randint(vocab, [batch, length], dtype: ScalarType.Int64), torch.randint(vocab, [batch, length], dtype: ScalarType.Int64));
}
