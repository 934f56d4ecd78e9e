[CollectionDefinition("torch", DisableParallelization = true)] public sealed class TorchCollection { }
