using System.Globalization;
using System.Text.Json.Serialization;

namespace ResGen.Data.Speech;

/// <summary>
/// One synthetic speaker: an engine and its settings. espeak-ng speakers are a voice (accent), a
/// variant (voice quality: <c>m3</c>, <c>f2</c>, <c>klatt4</c>, ...), a pitch (0–99) and a rate (words per
/// minute); Festival speakers are a voice, a duration stretch (&gt; 1 is slower) and a pitch shift in cents
/// made with sox afterwards.
/// </summary>
public sealed record SpeakerSpec
{
    /// <summary>The engine name of espeak-ng speakers.</summary>
    public const string Espeak = "espeak-ng";
    /// <summary>The engine name of Festival speakers.</summary>
    public const string Festival = "festival";

    /// <summary>The speaker's id, e.g. <c>s007</c> (the folder of its WAV files).</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    /// <summary><see cref="Espeak"/> or <see cref="Festival"/>.</summary>
    [JsonPropertyName("engine")] public required string Engine { get; init; }
    /// <summary>espeak-ng voice (<c>en-gb-scotland</c>) or Festival voice (<c>kal_diphone</c>).</summary>
    [JsonPropertyName("voice")] public required string Voice { get; init; }
    /// <summary>espeak-ng variant (a file of espeak-ng-data/voices/!v).</summary>
    [JsonPropertyName("variant")] public string? Variant { get; init; }
    /// <summary>espeak-ng pitch, 0–99 (50 is the voice's own).</summary>
    [JsonPropertyName("pitch")] public int? Pitch { get; init; }
    /// <summary>espeak-ng rate in words per minute.</summary>
    [JsonPropertyName("rate")] public int? Rate { get; init; }
    /// <summary>Festival duration stretch (1 = the voice's own speed, 1.15 = 15% slower).</summary>
    [JsonPropertyName("stretch")] public double? Stretch { get; init; }
    /// <summary>Festival pitch shift in cents (100 per semitone), applied with sox; 0 = none.</summary>
    [JsonPropertyName("pitch_shift_cents")] public int? PitchShiftCents { get; init; }
    /// <summary>Whether the speaker is held out of training (never heard in training).</summary>
    [JsonPropertyName("held_out")] public required bool HeldOut { get; init; }

    /// <summary>A short human-readable description, e.g. <c>espeak-ng en-gb-scotland+m3, pitch 40, 160 wpm</c>.</summary>
    [JsonPropertyName("description")]
    public string Description => Engine == Espeak
        ? $"{Espeak} {Voice}+{Variant}, pitch {Pitch}, {Rate} wpm"
        : string.Create(CultureInfo.InvariantCulture, $"{Festival} {Voice}, stretch {Stretch:0.00}, pitch {PitchShiftCents:+0;-0;0} cents");
}
