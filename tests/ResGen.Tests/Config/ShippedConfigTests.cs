using ResGen.Config;
using ResGen.Evaluation;
using ResGen.Generation;
using ResGen.Tokens;
using ResGen.Tokens.Speech;

namespace ResGen.Tests.Config;

/// <summary>Every file in configs/ loads and validates as the config of what its name says it is.</summary>
public sealed class ShippedConfigTests
{
    public static TheoryData<string> Files() => [.. Directory.GetFiles(Path.Combine(Repo.Root(), "configs"), "*.json").Select(f => Path.GetFileName(f)!).Order()];

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadsAndValidates(string name)
    {
        string path = Path.Combine(Repo.Root(), "configs", name);
        string stem = Path.GetFileNameWithoutExtension(name);
        if (stem.StartsWith("imagenet256-", StringComparison.Ordinal)) stem = stem["imagenet256-".Length..];
        if (stem.StartsWith("speech-tokenizer", StringComparison.Ordinal)) ConfigLoader.Load<SpeechTokenizerConfig>(path, []).Validate();
        else if (stem.StartsWith("tokenizer", StringComparison.Ordinal)) ConfigLoader.Load<TokenizerConfig>(path, []).Validate();
        else if (stem == "classifier") ConfigLoader.Load<ClassifierConfig>(path, []);
        else if (stem.StartsWith("speaker-encoder", StringComparison.Ordinal)) ConfigLoader.Load<ResGen.Evaluation.Speech.SpeakerEncoderConfig>(path, []).Validate();
        else
        {
            var kind = GeneratorKinds.All.Where(k => stem.StartsWith(k.Name + "-", StringComparison.Ordinal)).MaxBy(k => k.Name.Length);
            Assert.True(kind is not null, $"configs/{name} names no generator kind, tokenizer, classifier or speaker encoder");
            kind!.LoadConfig(path, []);
        }
    }
}
