using System.Text.Json;
using ResGen.Data.Speech;
using ResGen.Evaluation;
using ResGen.Generation;
using TorchSharp;

namespace ResGen.Tests.Perf;

/// <summary>
/// `resgen bench perf` compares this program with a PyTorch twin (bench/twin/resgen_twin.py); its ratios
/// mean something only if the twin computes the same function. On the shipped model the twin's network
/// outputs match ours and its re-quantization picks the same codes (Debian's python3-torch, which
/// .ci/run installs), and the C# side's measures come out positive.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PerfTwinTests
{
    static ResGenModel Shipped()
    {
        string root = Repo.Root();
        var s = ImageSampling.Load(Path.Combine(root, "models/resgen"), Path.Combine(root, "models/tokenizer"), torch.CPU);
        return PerfBenchmark.AsResGen(s.Generator);
    }

    [Fact]
    public void TheTwinComputesTheSameNetworkAndReQuantization()
    {
        string root = Repo.Root();
        var model = Shipped();
        using var dir = new TempDirectory();
        string dump = Path.Combine(dir.Path, "check.safetensors");
        PerfBenchmark.WriteCheck(model, dump);
        string output = ExternalTool.Run("/usr/bin/python3", [Path.Combine(root, "bench/twin/resgen_twin.py"), "check", "--file", dump,
            "--model", Path.Combine(root, "models/resgen"), "--tokenizer", Path.Combine(root, "models/tokenizer"), "--threads", "1"], null, TimeSpan.FromMinutes(5));
        var r = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.True(r.GetProperty("forward_max_abs_diff").GetDouble() < 1e-4, output);
        Assert.True(r.GetProperty("forward_max_abs").GetDouble() > 0.1, output);   // the outputs compared are not all zero
        Assert.Equal(1.0, r.GetProperty("requant_same_codes").GetDouble());
        Assert.True(r.GetProperty("requant_logp_max_abs_diff").GetDouble() < 1e-3, output);
    }

    [Fact]
    public void OurSideMeasuresEverything()
    {
        var model = Shipped();
        var t = PerfBenchmark.Measure(model, new PerfSettings([1, 2], Steps: 2, Repeats: 1, TrainBatch: 2, TrainSteps: 1), torch.CPU);
        Assert.Equal([1, 2], t.SampleMs.Keys.Order());
        Assert.All(t.SampleMs.Values, v => Assert.True(v > 0));
        Assert.True(t.ForwardMs > 0 && t.RequantMs > 0 && t.TrainStepMs > 0);
        Assert.InRange(TrainingFlops.PerStep(model.Network.Model, model.Layout, 2), 6.0 * 2 * 49 * 0.8e6, 6.0 * 2 * 49 * 1.3e6);   // 6 · batch · positions · (the 0.87 M parameters applied at every position)
        var bf16 = PerfBenchmark.Measure(model, new PerfSettings([1], Steps: 1, Repeats: 1, TrainBatch: 2, TrainSteps: 1, Bf16: true), torch.CPU);
        Assert.True(bf16.TrainStepMs > 0);
    }

    [Theory]
    [InlineData("--batches", "0")]
    [InlineData("--batches", "a,b")]
    [InlineData("--rounds", "0")]
    [InlineData("--twin", "/nonexistent/twin.py")]
    [InlineData("--model", "/nonexistent/model")]
    [InlineData("--peak-tflops", "-1")]
    [InlineData("--cold-batch", "64,x")]
    [InlineData("--precision", "fp16")]
    public void BadInputIsOneSentenceAndExitCode2(string option, string value)
    {
        var (code, _, err) = Repo.Resgen("bench", "perf", option, value, "--out-dir", Path.GetTempPath());
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
    }
}
