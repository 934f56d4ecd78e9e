using ResGen.Tokens;
using TorchSharp;

namespace ResGen.Tests;

/// <summary>Small fixed quantizers for generator tests: random codebooks whose scale shrinks with depth, in eval mode.</summary>
internal static class TestQuantizers
{
    /// <summary>D codebooks of K codes in R^d_z, depth j scaled by <paramref name="decay"/>^j, from a fixed seed.</summary>
    public static ResidualVectorQuantizer Fixed(int depth, int codebookSize, int codeDim, ulong seed = 11, float decay = 0.5f)
    {
        var rvq = new ResidualVectorQuantizer(new RvqConfig { Depth = depth, CodebookSize = codebookSize, CodeDim = codeDim });
        using (torch.no_grad())
        {
            var g = new torch.Generator(seed);
            for (int j = 0; j < depth; j++) rvq.Codebooks[j].copy_(torch.randn(codebookSize, codeDim, generator: g) * MathF.Pow(decay, j));
        }
        rvq.eval();
        return rvq;
    }
}
