using System.Reflection;
using System.Text.RegularExpressions;
using ResGen.Evaluation;
using ResGen.Evaluation.Speech;
using ResGen.Generation;
using ResGen.Text;
using ResGen.Tokens;
using ResGen.Tokens.Speech;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Tests.Runtime;

/// <summary>
/// `module.to(device)` must take every tensor a module computes with. TorchSharp 0.107 moves parameters
/// and persistent buffers, but not non-persistent buffers or plain tensor fields: such a tensor stays on
/// the CPU and the first forward on a GPU stops ("index is on cpu, different from other tensors on
/// cuda:0", as ResGen's position index did on an H200). Without a GPU here, the modules are moved to the
/// `meta` device, which holds no data, and every tensor field of every submodule must have gone with them.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ModuleDeviceTests
{
    static readonly Device Meta = torch.device("meta");

    static IEnumerable<(string Name, nn.Module Module)> Modules()
    {
        var image = new TokenLayout { GridHeight = 3, GridWidth = 3, Depth = 4, CodebookSize = 16, CodeDim = 4 };
        foreach (var kind in GeneratorKinds.All)
        {
            var cfg = kind.LoadConfig(null, ["model.width=32", "model.layers=2", "model.heads=2", "model.classes=3"]).WithTokens(image, "");
            yield return (kind.Name, kind.Build(cfg, TestQuantizers.Fixed(4, 16, 4)).Module);
        }
        var tokCfg = ResGen.Config.ConfigLoader.Load<SpeechTokenizerConfig>(Path.Combine(Repo.Root(), "configs/speech-tokenizer-tiny.json"), []);
        var speech = tokCfg.Build();
        yield return ("speech tokenizer", speech);
        var sequence = new TokenLayout { GridHeight = 1, GridWidth = 40, Depth = speech.Depth, CodebookSize = speech.CodebookSize, CodeDim = speech.CodeDim, Layout = PositionLayout.Sequence };
        foreach (var name in new[] { "resgen", "rq-transformer" })
        {
            var kind = GeneratorKinds.Find(name);
            var cfg = kind.LoadConfig(Path.Combine(Repo.Root(), $"configs/{name}-tts-tiny.json"), []).WithTokens(sequence, "").WithText(PhonemeVocabulary.Default.Count, null);
            yield return ($"{name} tts", kind.Build(cfg, speech.Quantizer).Module);
        }
        yield return ("image tokenizer", new ImageTokenizer(new ImageTokenizerConfig { ImageSize = 32, Channels = 3, Downsample = 8, HiddenChannels = [4, 4, 4, 4] },
                                                           new RvqConfig { Depth = 2, CodebookSize = 8, CodeDim = 4 }));
        yield return ("speaker encoder", new SpeakerEncoder(new SpeakerEncoderConfig { Channels = 16, Layers = 2, EmbeddingDim = 8, Speakers = 3 }));
        yield return ("classifier", new FashionClassifier(new ClassifierModelConfig()));
    }

    /// <summary>Every Tensor held in a field of the module or of any of its submodules, by "Type.field" name.</summary>
    static IEnumerable<(string Field, Tensor Tensor)> TensorFields(nn.Module module)
    {
        foreach (var m in module.modules())
            for (var t = m.GetType(); t is not null && t != typeof(nn.Module); t = t.BaseType)
                foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
                    if (typeof(Tensor).IsAssignableFrom(f.FieldType) && f.GetValue(m) is Tensor v && !v.IsInvalid)
                        yield return ($"{t.Name}.{f.Name}", v);
    }

    [Fact]
    public void EveryTensorAModuleHoldsMovesWithIt()
    {
        var left = new List<string>();
        int seen = 0;
        foreach (var (name, module) in Modules())
        {
            module.to(Meta);
            foreach (var (field, tensor) in TensorFields(module))
            {
                seen++;
                if (tensor.device.type != DeviceType.META) left.Add($"{name}: {field} stayed on {tensor.device}");
            }
        }
        Assert.True(seen > 50, $"only {seen} tensor fields found: the reflection walk misses fields");
        Assert.Empty(left);
    }

    /// <summary>
    /// TorchSharp 0.107 makes every Generator on the CPU whatever device it is given, and a draw on a GPU
    /// from a CPU generator fails ("Expected a 'cuda' device type for generator but found 'cpu'"). So a
    /// seeded draw either stays on the CPU (no device argument) or goes through RandomDraw, which draws on
    /// the CPU and copies; a multinomial may see GPU weights, so every seeded one goes through RandomDraw.
    /// </summary>
    [Fact]
    public void SeededDrawsOnADeviceGoThroughRandomDraw()
    {
        var bad = new List<string>();
        int draws = 0;
        foreach (var dir in new[] { "src/ResGen", "src/ResGen.Cli" })
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root(), dir), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains("/obj/", StringComparison.Ordinal) || file.EndsWith("RandomDraw.cs", StringComparison.Ordinal)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    if (RandomDrawCall.IsMatch(lines[i])) draws++;
                    if (SeededOnDevice.IsMatch(lines[i]) || SeededMultinomial.IsMatch(lines[i])) bad.Add($"{file}:{i + 1}: {lines[i].Trim()}");
                }
            }
        Assert.True(draws >= 15, $"only {draws} RandomDraw calls found");
        Assert.True(bad.Count == 0, "a seeded draw on a device (use RandomDraw):\n" + string.Join("\n", bad));
        Assert.Matches(SeededOnDevice, "var u = torch.rand(score.shape, generator: generator, device: device);");   // the check catches what failed on a GPU
    }

    static readonly Regex RandomDrawCall = new(@"RandomDraw\.\w+\(", RegexOptions.Compiled);
    static readonly Regex SeededOnDevice = new(@"\b(rand|randn|randint|randperm|bernoulli|normal)\((?=[^;]*generator:)(?=[^;]*device:)", RegexOptions.Compiled);
    static readonly Regex SeededMultinomial = new(@"\bmultinomial\([^;]*generator:", RegexOptions.Compiled);
}
