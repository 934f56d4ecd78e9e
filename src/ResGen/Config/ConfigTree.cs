using System.Text.Json;
using System.Text.Json.Nodes;

namespace ResGen.Config;

/// <summary>
/// Checks and edits the JSON tree of a config against its C# type: key validation, merging a file
/// over the defaults, applying dotted overrides and checking value types. All failures are
/// <see cref="UserErrorException"/>s that name the offending key.
/// </summary>
internal static class ConfigTree
{
    /// <summary>Copies the keys of <paramref name="source"/> over <paramref name="target"/>, merging sections.</summary>
    /// <param name="allowDerived">Whether <see cref="DerivedAttribute">derived</see> keys may be given (saved configs: yes; a user's file: no).</param>
    public static void Merge(JsonObject target, JsonObject source, Type sectionType, string prefix, string origin, bool allowDerived = true)
    {
        var members = ConfigSchema.MembersOf(sectionType);
        foreach (var (key, value) in source.ToList())
        {
            var member = Find(members, key, prefix, origin);
            if (!allowDerived)
            {
                RefuseDerived(member, Join(prefix, key), origin);
            }

            if (member.Kind == ConfigMemberKind.Section && value is JsonObject sub && target[key] is JsonObject existing)
            {
                Merge(existing, sub, member.Type, Join(prefix, key), origin, allowDerived);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    /// <summary>Applies one <c>key=value</c> override to <paramref name="root"/>.</summary>
    public static void ApplyOverride(JsonObject root, Type rootType, string assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var origin = $"override '{assignment}'";
        var eq = assignment.IndexOf('=');
        if (eq <= 0)
        {
            throw new UserErrorException($"Override '{assignment}' must look like key=value, for example train.lr=3e-4.");
        }

        var segments = assignment[..eq].Trim().Split('.');
        var raw = assignment[(eq + 1)..].Trim();
        var node = root;
        var type = rootType;
        var prefix = "";
        for (var i = 0; i < segments.Length; i++)
        {
            var key = segments[i];
            var last = i == segments.Length - 1;
            var member = Find(ConfigSchema.MembersOf(type), key, prefix, origin);
            RefuseDerived(member, Join(prefix, key), origin);
            if (last)
            {
                node[key] = ParseValue(raw, member.Type);
                return;
            }

            var path = Join(prefix, key);
            switch (member.Kind)
            {
                case ConfigMemberKind.Section:
                    if (node[key] is not JsonObject child)
                    {
                        child = [];
                        node[key] = child;
                    }

                    node = child;
                    type = member.Type;
                    prefix = path;
                    break;
                case ConfigMemberKind.Map when i == segments.Length - 2:
                    if (node[key] is not JsonObject map)
                    {
                        map = [];
                        node[key] = map;
                    }

                    var valueType = member.Type.GetGenericArguments().LastOrDefault() ?? typeof(string);
                    map[segments[^1]] = ParseValue(raw, valueType);
                    return;
                default:
                    throw new UserErrorException(
                        $"Config key '{path}' is a value, not a section, so {origin} cannot set '{string.Join('.', segments)}'.");
            }
        }
    }

    /// <summary>Checks every key and every value type of <paramref name="node"/> against <paramref name="sectionType"/>.</summary>
    public static void CheckValues(JsonObject node, Type sectionType, string prefix, string origin)
    {
        var members = ConfigSchema.MembersOf(sectionType);
        foreach (var (key, value) in node)
        {
            var member = Find(members, key, prefix, origin);
            var path = Join(prefix, key);
            if (value is null)
            {
                if (!member.AllowsNull)
                {
                    throw new UserErrorException($"Config key '{path}' is null but expects {ConfigSchema.Describe(member.Type)}.");
                }

                continue;
            }

            if (member.Kind == ConfigMemberKind.Section)
            {
                if (value is not JsonObject sub)
                {
                    throw BadValue(path, value, member.Type);
                }

                CheckValues(sub, member.Type, path, origin);
                continue;
            }

            try
            {
                value.Deserialize(member.Type, ConfigJson.Indented);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or FormatException)
            {
                throw BadValue(path, value, member.Type, e);
            }
        }
    }

    private static JsonNode? ParseValue(string raw, Type targetType)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(raw, documentOptions: ConfigJson.DocumentOptions);
        }
        catch (JsonException)
        {
            return JsonValue.Create(raw);
        }

        // "name=123" for a string key means the text 123, not the number.
        var isStringTarget = (Nullable.GetUnderlyingType(targetType) ?? targetType) == typeof(string);
        if (isStringTarget && parsed is not null && parsed.GetValueKind() != JsonValueKind.String)
        {
            return JsonValue.Create(raw);
        }

        return parsed;
    }

    private static ConfigMember Find(IReadOnlyDictionary<string, ConfigMember> members, string key, string prefix, string origin)
    {
        if (members.TryGetValue(key, out var member))
        {
            return member;
        }

        var where = prefix.Length == 0 ? "top-level keys are" : $"keys in '{prefix}' are";
        var valid = members.Count == 0 ? "(none)" : string.Join(", ", members.Keys);
        throw new UserErrorException($"Unknown config key '{Join(prefix, key)}' in {origin}; valid {where}: {valid}.");
    }

    private static void RefuseDerived(ConfigMember member, string path, string origin)
    {
        if (member.DerivedFrom is { } source)
        {
            throw new UserErrorException($"Config key '{path}' in {origin} cannot be set: it is taken from {source}.");
        }
    }

    private static UserErrorException BadValue(string path, JsonNode value, Type expected, Exception? inner = null)
    {
        var text = value.ToJsonString(ConfigJson.Compact);
        if (text.Length > 80)
        {
            text = text[..77] + "...";
        }

        return new UserErrorException(
            $"Config key '{path}' has value {text} but expects {ConfigSchema.Describe(expected)}.", inner);
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;
}
