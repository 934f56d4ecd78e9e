using ResGen.Data.Speech;

namespace ResGen.Evaluation.Speech;

/// <summary>
/// Where Debian's pocketsphinx (0.8 / 5prealpha, package <c>pocketsphinx</c>) and its US English
/// models (package <c>pocketsphinx-en-us</c>) live, and checks that they are there.
/// </summary>
public static class PocketSphinx
{
    /// <summary>The Debian packages that provide the recognizer and its models.</summary>
    public const string Packages = "pocketsphinx pocketsphinx-en-us";

    /// <summary>The batch recognizer's program name.</summary>
    public const string BatchProgram = "pocketsphinx_batch";

    /// <summary>The en-us model folder of pocketsphinx-en-us.</summary>
    public const string ModelFolder = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>The en-us acoustic model (phonetically tied mixtures, 16 kHz).</summary>
    public static string AcousticModel => Path.Combine(ModelFolder, "en-us");

    /// <summary>CMUdict as shipped with the model (134k words, lower case, alternatives as word(2)).</summary>
    public static string CmuDictionary => Path.Combine(ModelFolder, "cmudict-en-us.dict");

    /// <summary>The full path of <see cref="BatchProgram"/> on PATH, or null when it is not installed.</summary>
    public static string? FindBatchProgram() => ExternalTool.Find(BatchProgram);

    /// <summary>Whether the program, the acoustic model and CMUdict are all installed.</summary>
    public static bool IsInstalled =>
        FindBatchProgram() is not null && File.Exists(Path.Combine(AcousticModel, "mdef")) && File.Exists(CmuDictionary);

    /// <summary>The batch program's path; throws when it or the en-us acoustic model is missing.</summary>
    /// <exception cref="UserErrorException">Naming the Debian packages to install.</exception>
    public static string RequireBatchProgram() => RequireBatchProgram(searchPath: null);

    /// <inheritdoc cref="RequireBatchProgram()"/>
    /// <param name="searchPath">Folders to look in (PATH syntax); null for $PATH.</param>
    internal static string RequireBatchProgram(string? searchPath)
    {
        var program = ExternalTool.Find(BatchProgram, searchPath)
            ?? throw new UserErrorException($"{BatchProgram} was not found on PATH; install the Debian packages {Packages} (sudo apt-get install {Packages}).");
        if (!File.Exists(Path.Combine(AcousticModel, "mdef")))
            throw new UserErrorException($"The pocketsphinx en-us acoustic model is missing from {AcousticModel}; install the Debian package pocketsphinx-en-us (sudo apt-get install pocketsphinx-en-us).");
        return program;
    }
}
