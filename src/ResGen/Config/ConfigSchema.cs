using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ResGen.Config;

/// <summary>How a config member is treated when keys are checked and overrides are applied.</summary>
internal enum ConfigMemberKind
{
    /// <summary>A nested section whose keys are fixed by a C# type.</summary>
    Section,

    /// <summary>A dictionary: any key is allowed below it.</summary>
    Map,

    /// <summary>A leaf: number, string, bool, enum or list.</summary>
    Value,
}

/// <summary>One key of a config section, as System.Text.Json sees it.</summary>
/// <param name="Key">The JSON (snake_case) key.</param>
/// <param name="Type">The declared type of the member.</param>
/// <param name="Kind">Section, map or value.</param>
/// <param name="AllowsNull">Whether null is an acceptable value.</param>
/// <param name="Info">The serializer's metadata, used to read the value back.</param>
/// <param name="DerivedFrom">Where the program takes the value from when it is <see cref="DerivedAttribute">derived</see>; null for settings.</param>
/// <param name="Range">The declared range of a numeric key; null where none is declared.</param>
internal sealed record ConfigMember(string Key, Type Type, ConfigMemberKind Kind, bool AllowsNull, JsonPropertyInfo Info, string? DerivedFrom, ValueRangeAttribute? Range);

/// <summary>Reflection over config types, using the same metadata the serializer uses.</summary>
internal static class ConfigSchema
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, ConfigMember>> Cache = new();

    /// <summary>The keys of a section type, in declaration order.</summary>
    public static IReadOnlyDictionary<string, ConfigMember> MembersOf(Type sectionType) =>
        Cache.GetOrAdd(sectionType, static t =>
        {
            var info = ConfigJson.Indented.GetTypeInfo(t);
            var members = new Dictionary<string, ConfigMember>(StringComparer.Ordinal);
            foreach (var p in info.Properties.OrderBy(p => p.Order))
            {
                var attributes = (p.AttributeProvider as System.Reflection.MemberInfo)?.GetCustomAttributes(true) ?? [];
                var derived = attributes.OfType<DerivedAttribute>().FirstOrDefault()?.Source;
                var range = attributes.OfType<ValueRangeAttribute>().FirstOrDefault();
                members[p.Name] = new ConfigMember(p.Name, p.PropertyType, KindOf(p.PropertyType), p.IsSetNullable, p, derived, range);
            }

            return members;
        });

    /// <summary>Classifies a type as section, map or value.</summary>
    public static ConfigMemberKind KindOf(Type type) =>
        ConfigJson.Indented.GetTypeInfo(type).Kind switch
        {
            JsonTypeInfoKind.Object => ConfigMemberKind.Section,
            JsonTypeInfoKind.Dictionary => ConfigMemberKind.Map,
            _ => ConfigMemberKind.Value,
        };

    /// <summary>Human wording of what a value of <paramref name="type"/> looks like.</summary>
    public static string Describe(Type type)
    {
        var inner = Nullable.GetUnderlyingType(type);
        if (inner is not null)
        {
            return Describe(inner) + " or null";
        }

        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", EnumNames(type));
        }

        var element = ElementType(type);
        if (element is not null)
        {
            return "a list of " + Plural(element);
        }

        return KindOf(type) switch
        {
            ConfigMemberKind.Section => "a section (a JSON object)",
            ConfigMemberKind.Map => "a JSON object",
            _ => Singular(type),
        };
    }

    /// <summary>
    /// Whether <paramref name="type"/> is a number, a nullable number or a list of numbers (not an
    /// enum); <paramref name="integer"/> tells integers from floating-point numbers.
    /// </summary>
    public static bool IsNumeric(Type type, out bool integer)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementType(t) is { } element) t = Nullable.GetUnderlyingType(element) ?? element;
        string category = Category(t);
        integer = category == "integer";
        return category is "integer" or "number";
    }

    /// <summary>The snake_case names of an enum's members.</summary>
    public static IEnumerable<string> EnumNames(Type enumType) =>
        Enum.GetNames(enumType).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n));

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || ConfigJson.Indented.GetTypeInfo(type).Kind != JsonTypeInfoKind.Enumerable)
        {
            return null;
        }

        return type.IsArray
            ? type.GetElementType()
            : type.GetInterfaces().Append(type)
                .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                ?.GetGenericArguments()[0];
    }

    private static string Singular(Type type) => Category(type) switch
    {
        "integer" => "an integer",
        "number" => "a number",
        "bool" => "true or false",
        "string" => "a string",
        _ => "a " + type.Name + " value",
    };

    private static string Plural(Type type) => Category(type) switch
    {
        "integer" => "integers",
        "number" => "numbers",
        "bool" => "booleans",
        "string" => "strings",
        _ => "values that are " + Describe(type),
    };

    private static string Category(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32
            or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => type.IsEnum ? "enum" : "integer",
        TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "number",
        TypeCode.Boolean => "bool",
        TypeCode.String => "string",
        _ => "other",
    };
}
