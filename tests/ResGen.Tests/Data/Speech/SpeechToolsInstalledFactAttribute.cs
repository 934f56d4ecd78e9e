using ResGen.Data.Speech;

namespace ResGen.Tests.Data.Speech;

/// <summary>A fact that is skipped, with a reason, when espeak-ng, Festival (with its voices), sox, fortunes or WordNet are not installed (.ci/run installs them).</summary>
public sealed class SpeechToolsInstalledFactAttribute : FactAttribute
{
    public SpeechToolsInstalledFactAttribute()
    {
        if (Missing() is { } what) Skip = $"{what} is not installed (sudo apt-get install espeak-ng festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox fortunes fortunes-min wordnet-base).";
    }

    /// <summary>The first missing tool or data, or null.</summary>
    public static string? Missing()
    {
        foreach (var program in new[] { "espeak-ng", "festival", "sox" })
            if (ExternalTool.Find(program) is null) return program;
        foreach (var voice in SpeechEngines.FestivalVoicePackages.Keys)
            if (!Directory.EnumerateDirectories(SpeechEngines.FestivalVoiceFolder).Any(d => Directory.Exists(Path.Combine(d, voice)))) return "Festival voice " + voice;
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/libespeak-ng.so.1") && !File.Exists("/usr/lib/aarch64-linux-gnu/libespeak-ng.so.1")) return "libespeak-ng";
        if (SentencePool.FortuneFiles(SentencePool.FortunesFolder).Count == 0) return "fortunes";
        if (!File.Exists(Path.Combine(SentencePool.WordNetFolder, "data.noun"))) return "wordnet-base";
        return null;
    }
}

/// <summary>A theory skipped like <see cref="SpeechToolsInstalledFactAttribute"/>.</summary>
public sealed class SpeechToolsInstalledTheoryAttribute : TheoryAttribute
{
    public SpeechToolsInstalledTheoryAttribute()
    {
        if (SpeechToolsInstalledFactAttribute.Missing() is { } what) Skip = $"{what} is not installed (see .ci/run).";
    }
}
