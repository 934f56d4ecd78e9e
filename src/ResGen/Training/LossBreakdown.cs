using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>
/// A training loss and its named parts (scalar tensors, still on the device: reading them is
/// left to the logging interval).
/// </summary>
public sealed record LossBreakdown(Tensor Loss, IReadOnlyList<(string Name, Tensor Value)> Parts);
