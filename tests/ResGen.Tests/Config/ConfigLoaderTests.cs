using ResGen.Config;

namespace ResGen.Tests.Config;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("resgen-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string text)
    {
        var path = Path.Combine(_dir, $"c{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void NullPathGivesDefaults()
    {
        var c = ConfigLoader.Load<TestRootConfig>(null, []);
        Assert.Equal(12, c.Model.Depth);
        Assert.Equal([16, 32], c.Model.Channels);
        Assert.Equal(1e-3, c.Train.LearningRate);
        Assert.Null(c.Train.ClipNorm);
    }

    [Fact]
    public void FileOverridesOnlyTheKeysItNames()
    {
        var path = WriteFile("""
            // comments and trailing commas are fine
            { "model": { "depth": 4 }, "train": { "clip_norm": 1.5, }, }
            """);
        var c = ConfigLoader.Load<TestRootConfig>(path, []);
        Assert.Equal(4, c.Model.Depth);
        Assert.Equal("base", c.Model.Name);
        Assert.Equal(1.5, c.Train.ClipNorm);
        Assert.Equal(100, c.Train.Steps);
    }

    [Fact]
    public void OverridesParseJsonLiteralsOrStrings()
    {
        var c = ConfigLoader.Load<TestRootConfig>(null, [
            "model.depth=16", "train.learning_rate=3e-4", "model.channels=[32,64]", "model.name=123",
            "model.activation=silu_fast", "run_name=hello world", "extra.beta=0.5", "train.clip_norm=2",
        ]);
        Assert.Equal(16, c.Model.Depth);
        Assert.Equal(3e-4, c.Train.LearningRate);
        Assert.Equal([32, 64], c.Model.Channels);
        Assert.Equal("123", c.Model.Name);
        Assert.Equal(TestActivation.SiluFast, c.Model.Activation);
        Assert.Equal("hello world", c.RunName);
        Assert.Equal(0.5, c.Extra["beta"]);
        Assert.Equal(2.0, c.Train.ClipNorm);
    }

    [Fact]
    public void OverridesApplyAfterTheFile()
    {
        var path = WriteFile("""{ "model": { "depth": 4, "name": "file" } }""");
        var c = ConfigLoader.Load<TestRootConfig>(path, ["model.depth=8"]);
        Assert.Equal(8, c.Model.Depth);
        Assert.Equal("file", c.Model.Name);
    }

    [Fact]
    public void UnknownKeyInFileListsValidKeys()
    {
        var path = WriteFile("""{ "model": { "dpth": 4 } }""");
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(path, []));
        Assert.Contains("'model.dpth'", e.Message);
        Assert.Contains("depth, channels, name, activation", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void UnknownKeyInOverrideListsValidTopLevelKeys()
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(null, ["modle.depth=3"]));
        Assert.Contains("'modle'", e.Message);
        Assert.Contains("top-level", e.Message);
        Assert.Contains("model, train, extra, run_name", e.Message);
    }

    [Fact]
    public void OverrideBelowAValueIsRejected()
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(null, ["model.depth.x=3"]));
        Assert.Contains("'model.depth' is a value", e.Message);
    }

    [Theory]
    [InlineData("train.learning_rate=abc", "'train.learning_rate'", "\"abc\"", "a number")]
    [InlineData("model.depth=2.5", "'model.depth'", "2.5", "an integer")]
    [InlineData("model.channels=[1,\"x\"]", "'model.channels'", "[1,\"x\"]", "a list of integers")]
    [InlineData("model.activation=tanh", "'model.activation'", "\"tanh\"", "one of gelu, relu, silu_fast")]
    [InlineData("model=3", "'model'", "3", "a section")]
    [InlineData("model.depth=null", "'model.depth'", "null", "an integer")]
    public void BadValueNamesKeyValueAndExpectedType(string assignment, string key, string value, string expected)
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(null, [assignment]));
        Assert.Contains(key, e.Message);
        Assert.Contains(value, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void BadValueInFileIsRejected()
    {
        var path = WriteFile("""{ "train": { "steps": "many" } }""");
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(path, []));
        Assert.Contains("'train.steps'", e.Message);
        Assert.Contains("an integer", e.Message);
    }

    [Fact]
    public void MalformedFileNamesFileAndLine()
    {
        var path = WriteFile("{\n  \"model\": {\n    \"depth\": 4 4\n  }\n}\n");
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(path, []));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void MissingFileAndNonObjectAndBadOverrideSyntaxAreUserErrors()
    {
        var missing = Path.Combine(_dir, "nope.json");
        Assert.Contains("does not exist", Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(missing, [])).Message);
        Assert.Contains("JSON object", Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(WriteFile("[1,2]"), [])).Message);
        Assert.Contains("key=value", Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(null, ["model.depth"])).Message);
    }

    [Fact]
    public void ValidateRunsOnNestedSectionsAndRoot()
    {
        var before = TestTrainConfig.ValidateCalls;
        ConfigLoader.Load<TestRootConfig>(null, []);
        Assert.True(TestTrainConfig.ValidateCalls > before);
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(null, ["train.learning_rate=-1"]));
        Assert.Contains("must be positive", e.Message);
        Assert.Throws<UserErrorException>(() => ConfigLoader.Load<TestRootConfig>(null, ["model.depth=5000"]));
    }

    [Fact]
    public void ToJsonUsesSnakeCaseAndRoundTrips()
    {
        var c = ConfigLoader.Load<TestRootConfig>(null, ["model.activation=silu_fast", "extra.k=1.25", "train.clip_norm=0.5"]);
        var json = ConfigLoader.ToJson(c);
        Assert.Contains("\"learning_rate\"", json);
        Assert.Contains("\"silu_fast\"", json);
        Assert.Contains("\n", json);
        var back = ConfigLoader.Parse<TestRootConfig>(json, "round trip");
        Assert.Equal(json, ConfigLoader.ToJson(back));
        Assert.Equal(ConfigLoader.Hash(c), ConfigLoader.Hash(back));
    }

    [Fact]
    public void HashIsShortStableAndSensitive()
    {
        var a = ConfigLoader.Load<TestRootConfig>(null, []);
        var b = ConfigLoader.Load<TestRootConfig>(null, []);
        var c = ConfigLoader.Load<TestRootConfig>(null, ["train.steps=101"]);
        Assert.Equal(12, ConfigLoader.Hash(a).Length);
        Assert.Equal(ConfigLoader.Hash(a), ConfigLoader.Hash(b));
        Assert.NotEqual(ConfigLoader.Hash(a), ConfigLoader.Hash(c));
    }
}
