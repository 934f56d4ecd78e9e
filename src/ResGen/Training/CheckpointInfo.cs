using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ResGen.Training;

/// <summary>What a checkpoint's sidecar <c>NAME.json</c> records besides the weights.</summary>
/// <param name="Kind">What the weights are, e.g. <c>tokenizer</c>, <c>resgen</c> or <c>classifier</c>.</param>
/// <param name="Step">Training step at which it was saved.</param>
/// <param name="CreatedUtc">When it was written.</param>
/// <param name="TorchSharpVersion">TorchSharp version that wrote it.</param>
/// <param name="LibTorchVersion">libtorch version that wrote it.</param>
/// <param name="ConfigHash">Short hash of the resolved config (see <c>ConfigLoader.Hash</c>).</param>
/// <param name="ConfigJson">The resolved config as indented JSON.</param>
/// <param name="HasTrainingState">Whether <c>NAME.train.safetensors</c> belongs to this checkpoint.</param>
public sealed record CheckpointInfo(
    string Kind,
    long Step,
    DateTimeOffset CreatedUtc,
    string TorchSharpVersion,
    string LibTorchVersion,
    string ConfigHash,
    string ConfigJson,
    bool HasTrainingState)
{
    /// <summary>Identifies the sidecar format.</summary>
    public const string Format = "resgen-checkpoint";

    /// <summary>The sidecar as indented JSON, the config nested under <c>config</c>.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = Format,
            ["format_version"] = 1,
            ["kind"] = Kind,
            ["step"] = Step,
            ["created_utc"] = CreatedUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["torchsharp_version"] = TorchSharpVersion,
            ["libtorch_version"] = LibTorchVersion,
            ["config_hash"] = ConfigHash,
            ["has_training_state"] = HasTrainingState,
            ["config"] = JsonNode.Parse(ConfigJson),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Parses a sidecar; throws <see cref="UserErrorException"/> naming <paramref name="path"/> when it is unreadable.</summary>
    public static CheckpointInfo Parse(string json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false })?.AsObject()
                ?? throw new FormatException("it is empty");
            if ((string?)root["format"] != Format)
            {
                throw new FormatException($"'format' is not \"{Format}\"");
            }

            string Text(string key) => (string?)root[key] ?? throw new FormatException($"'{key}' is missing");
            return new CheckpointInfo(
                Text("kind"),
                (long?)root["step"] ?? throw new FormatException("'step' is missing"),
                DateTimeOffset.Parse(Text("created_utc"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                Text("torchsharp_version"),
                Text("libtorch_version"),
                Text("config_hash"),
                root["config"]?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? throw new FormatException("'config' is missing"),
                (bool?)root["has_training_state"] ?? false);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new UserErrorException($"Checkpoint sidecar '{path}' is truncated or corrupt: {e.Message.TrimEnd('.')}.", e);
        }
    }
}
