namespace ResGen.Tests;

/// <summary>
/// Tests that create tensors or touch TorchSharp's global state (default dtype, seeds, threads)
/// join this collection so that they never run in parallel with each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    /// <summary>The collection name used in <c>[Collection("torch")]</c>.</summary>
    public const string Name = "torch";
}
