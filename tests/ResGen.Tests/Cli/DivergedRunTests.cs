using ResGen.Cli;
using ResGen.Tests.Data;
using ResGen.Training;

namespace ResGen.Tests.Cli;

/// <summary>
/// `resgen classifier train` at the largest learning rate and weight decay the config allows
/// diverges: exit 2 with one sentence naming the step, and the run folder keeps the last good
/// checkpoint with finite weights.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DivergedRunTests
{
    [FashionMnistInstalledFact]
    public void ADivergedRunEndsWithExit2AndKeepsFiniteWeights()
    {
        using var dir = new TempDirectory();
        string run = dir.File("run");
        var (code, _, err) = Repo.Resgen("classifier", "train", "--out", run, "--limit", "64", "--threads", "1",
            "--set", "train.lr=10", "--set", "train.weight_decay=10", "--set", "train.steps=60", "--set", "train.batch_size=8",
            "--set", "train.checkpoint_every=1", "--set", "train.eval_every=0", "--set", "model.hidden_channels=[8]", "--set", "model.feature_dim=8");
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == CliApp.UserError, $"exit {code}\n{err}");
        Assert.True(lines.Length == 1 && (lines[0].StartsWith("error: training went non-finite at step ", StringComparison.Ordinal)
            || lines[0].StartsWith("error: the weights went non-finite by step ", StringComparison.Ordinal)), err);
        long bad = long.Parse(System.Text.RegularExpressions.Regex.Match(lines[0], @"step (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var name in new[] { "last", "model" })
        {
            string stem = Path.Combine(run, name);
            Assert.Equal(bad - 1, Checkpoint.ReadInfo(stem).Step);
            var weights = SafetensorsFile.Load(stem + ".safetensors", name);
            Checkpoint.CheckFinite(weights, name);   // throws on NaN or infinity
            foreach (var t in weights.Values) t.Dispose();
        }
    }
}
