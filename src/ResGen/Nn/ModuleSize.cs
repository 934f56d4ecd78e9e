using TorchSharp;

namespace ResGen.Nn;

/// <summary>How big a module is.</summary>
public static class ModuleSize
{
    /// <summary>Trainable and frozen parameters (buffers excluded).</summary>
    public static long Parameters(torch.nn.Module module) => module.parameters().Sum(p => p.numel());
}
