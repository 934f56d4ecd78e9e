using System.Diagnostics;
using ResGen.Data.Speech;

namespace ResGen.Tests.Evaluation.Speech;

/// <summary>Festival's text2wave, to render test sentences as 16 kHz mono 16-bit WAV files.</summary>
public static class Festival
{
    public const string KalDiphoneVoice = "/usr/share/festival/voices/english/kal_diphone";

    /// <summary>The text2wave program on PATH, or null.</summary>
    public static string? TextToWave => ExternalTool.Find("text2wave");

    /// <summary>Renders <paramref name="text"/> with the kal_diphone voice to <paramref name="wavPath"/>.</summary>
    public static void Render(string text, string wavPath)
    {
        string textPath = wavPath + ".txt";
        File.WriteAllText(textPath, text + "\n");
        var start = new ProcessStartInfo(TextToWave ?? "text2wave") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-eval", "(voice_kal_diphone)", "-F", "16000", "-otype", "riff", textPath, "-o", wavPath }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(wavPath)) throw new InvalidOperationException($"text2wave failed ({process.ExitCode}): {stderr}");
    }
}
