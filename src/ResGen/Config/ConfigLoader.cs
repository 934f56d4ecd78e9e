using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ResGen.Config;

/// <summary>
/// Loads configuration records from JSON files with snake_case keys, applies <c>key=value</c>
/// overrides with dotted keys for nested sections, and writes and hashes resolved configs.
/// </summary>
/// <remarks>
/// A config type is a class or record with a parameterless constructor whose property
/// initializers are the defaults. Keys missing from the file keep their defaults; unknown keys,
/// values of the wrong type and malformed JSON are reported as <see cref="UserErrorException"/>.
/// After loading, <see cref="IValidatable.Validate"/> runs on every section that implements it.
/// </remarks>
public static class ConfigLoader
{
    /// <summary>Loads a config from <paramref name="path"/> (or only defaults when null) and applies overrides.</summary>
    /// <param name="path">A JSON file, or null to start from the defaults of <typeparamref name="T"/>.</param>
    /// <param name="overrides">Assignments such as <c>model.depth=16</c>, <c>train.lr=3e-4</c> or <c>model.channels=[32,64]</c>.</param>
    public static T Load<T>(string? path, IEnumerable<string> overrides) where T : new()
    {
        ArgumentNullException.ThrowIfNull(overrides);
        if (path is null)
        {
            return Resolve<T>(null, "defaults", overrides, allowDerived: false);
        }

        if (!File.Exists(path))
        {
            throw new UserErrorException($"Config file '{path}' does not exist.");
        }

        return Resolve<T>(ParseDocument(File.ReadAllText(path), $"config file '{path}'"), $"config file '{path}'", overrides, allowDerived: false);
    }

    /// <summary>Parses a config from JSON text, as <see cref="Load{T}"/> does for a file.</summary>
    /// <param name="json">The JSON text of the config.</param>
    /// <param name="sourceName">How error messages name the source, for example <c>checkpoint 'x.json'</c>.</param>
    /// <param name="overrides">Optional <c>key=value</c> assignments applied after parsing.</param>
    public static T Parse<T>(string json, string sourceName, IEnumerable<string>? overrides = null) where T : new()
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        return Resolve<T>(ParseDocument(json, sourceName), sourceName, overrides ?? [], allowDerived: true);
    }

    /// <summary>The resolved config as indented JSON with snake_case keys.</summary>
    public static string ToJson<T>(T config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return JsonSerializer.Serialize(config, ConfigJson.Indented);
    }

    /// <summary>A stable 12-hex-digit hash of the resolved config (SHA-256 of its compact JSON).</summary>
    public static string Hash<T>(T config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(config, ConfigJson.Compact);
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
    }

    private static T Resolve<T>(JsonObject? document, string origin, IEnumerable<string> overrides, bool allowDerived) where T : new()
    {
        var tree = JsonSerializer.SerializeToNode(new T(), ConfigJson.Indented) as JsonObject
            ?? throw new ArgumentException($"Config type {typeof(T).Name} must serialize to a JSON object.", nameof(T));
        if (document is not null)
        {
            ConfigTree.Merge(tree, document, typeof(T), "", origin, allowDerived);
        }

        foreach (var assignment in overrides)
        {
            ConfigTree.ApplyOverride(tree, typeof(T), assignment);
        }

        ConfigTree.CheckValues(tree, typeof(T), "", "the resolved config");
        T config;
        try
        {
            config = tree.Deserialize<T>(ConfigJson.Indented)
                ?? throw new UserErrorException($"The config from {origin} is empty.");
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"The config from {origin} could not be read: {FirstSentence(e.Message)}", e);
        }

        ValidateSections(config, typeof(T), "");
        return config;
    }

    private static JsonObject ParseDocument(string json, string origin)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: ConfigJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            throw new UserErrorException($"The {origin} is not valid JSON at line {line}, column {column}: {FirstSentence(e.Message)}", e);
        }

        return node as JsonObject
            ?? throw new UserErrorException($"The {origin} must hold a JSON object ({{ ... }}) at the top level.");
    }

    private static void ValidateSections(object section, Type type, string prefix)
    {
        foreach (var member in ConfigSchema.MembersOf(type).Values)
        {
            string path = prefix.Length == 0 ? member.Key : prefix + "." + member.Key;
            if (member.Kind == ConfigMemberKind.Section && member.Info.Get?.Invoke(section) is { } child)
            {
                ValidateSections(child, member.Type, path);
            }
            else if (member.Kind == ConfigMemberKind.Value)
            {
                CheckNumbers(path, member, member.Info.Get?.Invoke(section));
            }
        }

        (section as IValidatable)?.Validate();
    }

    /// <summary>
    /// The one check of numbers, before a section's own <see cref="IValidatable.Validate"/>: every
    /// floating-point value finite, every value of a key with a <see cref="ValueRangeAttribute"/> in its range.
    /// </summary>
    private static void CheckNumbers(string path, ConfigMember member, object? value)
    {
        if (value is null || !ConfigSchema.IsNumeric(member.Type, out bool integer))
        {
            return;
        }

        var values = value is System.Collections.IEnumerable list ? list.Cast<object?>() : [value];
        foreach (var item in values)
        {
            if (item is null)
            {
                continue;
            }

            double x = Convert.ToDouble(item, CultureInfo.InvariantCulture);
            if (!double.IsFinite(x) || member.Range?.Contains(x) == false)
            {
                string wanted = member.Range is null ? "a finite number" : (integer ? "an integer " : "a finite number ") + member.Range.Describe(integer);
                string got = item is float f ? f.ToString(CultureInfo.InvariantCulture) : Convert.ToString(item, CultureInfo.InvariantCulture)!;
                throw new UserErrorException($"Config key '{path}' must be {wanted}, got {got}.");
            }
        }
    }

    private static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " Path: ", " LineNumber: ", " | " })
        {
            var at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0)
            {
                message = message[..at];
            }
        }

        return message.Trim().TrimEnd('.') + ".";
    }
}
