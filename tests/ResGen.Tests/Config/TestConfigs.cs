using ResGen.Config;

namespace ResGen.Tests.Config;

public enum TestActivation
{
    Gelu,
    Relu,
    SiluFast,
}

public sealed record TestModelConfig
{
    public int Depth { get; init; } = 12;
    public List<int> Channels { get; init; } = [16, 32];
    public string Name { get; init; } = "base";
    public TestActivation Activation { get; init; } = TestActivation.Gelu;
}

public sealed record TestTrainConfig : IValidatable
{
    public static int ValidateCalls;

    public double LearningRate { get; init; } = 1e-3;
    public int Steps { get; init; } = 100;
    public double? ClipNorm { get; init; }

    public void Validate()
    {
        Interlocked.Increment(ref ValidateCalls);
        if (LearningRate <= 0)
        {
            throw new UserErrorException($"train.learning_rate must be positive, got {LearningRate}.");
        }
    }
}

public sealed record TestRootConfig : IValidatable
{
    public TestModelConfig Model { get; init; } = new();
    public TestTrainConfig Train { get; init; } = new();
    public Dictionary<string, double> Extra { get; init; } = [];
    public string RunName { get; init; } = "run";

    public void Validate()
    {
        if (Model.Depth > 1000)
        {
            throw new UserErrorException($"model.depth {Model.Depth} is too deep.");
        }
    }
}
