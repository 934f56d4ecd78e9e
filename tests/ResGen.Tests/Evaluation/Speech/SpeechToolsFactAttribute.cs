using ResGen.Evaluation.Speech;

namespace ResGen.Tests.Evaluation.Speech;

/// <summary>
/// A fact that needs pocketsphinx with its en-us models and Festival with the kal_diphone voice;
/// skipped, naming the Debian packages, when they are not installed.
/// </summary>
public sealed class SpeechToolsFactAttribute : FactAttribute
{
    /// <summary>The Debian packages these tests need.</summary>
    public const string Packages = "pocketsphinx pocketsphinx-en-us festival festvox-kallpc16k";

    public SpeechToolsFactAttribute()
    {
        if (!PocketSphinx.IsInstalled || Festival.TextToWave is null || !Directory.Exists(Festival.KalDiphoneVoice))
            Skip = $"pocketsphinx or Festival's kal_diphone voice is not installed (sudo apt-get install {Packages}).";
    }
}
