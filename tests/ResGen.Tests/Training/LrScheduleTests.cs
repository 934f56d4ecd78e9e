using ResGen.Config;
using ResGen.Training;

namespace ResGen.Tests.Training;

public sealed class LrScheduleTests
{
    [Fact]
    public void WarmupRisesLinearlyToThePeak()
    {
        var s = LrSchedule.Cosine(1e-3, warmupSteps: 10, totalSteps: 110, minLr: 1e-5);
        Assert.Equal(1e-4, s.At(0), 12);
        Assert.Equal(5e-4, s.At(4), 12);
        Assert.Equal(1e-3, s.At(9), 12);
        Assert.Equal(1e-3, s.At(10), 12);
    }

    [Fact]
    public void CosineReachesHalfwayAndTheFloor()
    {
        var s = LrSchedule.Cosine(1e-3, warmupSteps: 10, totalSteps: 110, minLr: 1e-5);
        Assert.Equal((1e-3 + 1e-5) / 2, s.At(60), 12);
        Assert.Equal(1e-5, s.At(110), 12);
        Assert.Equal(1e-5, s.At(5000), 12);
        for (long step = 10; step < 110; step++)
        {
            Assert.True(s.At(step + 1) <= s.At(step), $"not decreasing at {step}");
        }
    }

    [Fact]
    public void ConstantStaysAtThePeak()
    {
        var s = LrSchedule.Constant(2e-4, warmupSteps: 4);
        Assert.Equal(5e-5, s.At(0), 12);
        Assert.Equal(2e-4, s.At(4), 12);
        Assert.Equal(2e-4, s.At(1_000_000), 12);
        Assert.Equal(2e-4, LrSchedule.Constant(2e-4).At(0), 12);
    }

    [Fact]
    public void IsAPureFunctionOfStep()
    {
        var s = LrSchedule.Cosine(1e-3, 5, 50);
        var forward = Enumerable.Range(0, 60).Select(i => s.At(i)).ToArray();
        var backward = Enumerable.Range(0, 60).Reverse().Select(i => s.At(i)).Reverse().ToArray();
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void BadSettingsAreUserErrors()
    {
        Assert.Throws<UserErrorException>(() => LrSchedule.Cosine(0, 0, 10));
        Assert.Throws<UserErrorException>(() => LrSchedule.Cosine(1e-3, 10, 10));
        Assert.Throws<UserErrorException>(() => LrSchedule.Cosine(1e-3, 0, 10, minLr: 1e-2));
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.Constant(1e-3).At(-1));
    }

    [Fact]
    public void LoadsAsAConfigSection()
    {
        var s = ConfigLoader.Load<LrSchedule>(null, ["kind=constant", "peak_lr=1e-3", "warmup_steps=2"]);
        Assert.Equal(LrScheduleKind.Constant, s.Kind);
        Assert.Equal(1e-3, s.At(3), 12);
        Assert.Throws<UserErrorException>(() => ConfigLoader.Load<LrSchedule>(null, ["min_lr=1"]));
    }
}
