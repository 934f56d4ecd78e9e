using System.Globalization;
using System.Reflection;
using ResGen.Config;
using ResGen.Generation;

namespace ResGen.Tests.Config;

/// <summary>
/// One validation of numbers: every numeric key of every config type (found by reflection, so a
/// type added later is covered too) declares its range, and NaN, ±Infinity, 0, −1, 1e30 and a value
/// beyond the declared maximum each end in one sentence or, where the range allows it, load.
/// </summary>
public sealed class NumericKeyTests
{
    /// <summary>
    /// Types whose numeric keys cannot carry a <see cref="ValueRangeAttribute"/> yet because their files
    /// are being changed elsewhere; their own Validate() must still refuse NaN, ±Infinity, −1 and 1e30.
    /// </summary>
    static readonly Type[] RangesInValidate = [typeof(SamplerSettings)];

    static readonly string[] AlwaysBad = ["NaN", "Infinity", "-Infinity", "1e30"];

    /// <summary>Every config root: a public type with a parameterless constructor that validates itself.</summary>
    static List<Type> RootTypes() =>
        [.. typeof(ConfigLoader).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && typeof(IValidatable).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)];

    public static TheoryData<Type> Roots() => [.. RootTypes()];

    /// <summary>Every numeric key below <paramref name="type"/> (settings only: derived keys cannot be set).</summary>
    static IEnumerable<(string Path, ConfigMember Member, Type Owner)> NumericKeys(Type type, string prefix = "")
    {
        foreach (var m in ConfigSchema.MembersOf(type).Values)
        {
            string path = prefix.Length == 0 ? m.Key : prefix + "." + m.Key;
            if (m.DerivedFrom is not null || m.Info.Set is null) continue;   // set by the program, or computed
            if (m.Kind == ConfigMemberKind.Section)
            {
                foreach (var k in NumericKeys(m.Type, path)) yield return k;
            }
            else if (m.Kind == ConfigMemberKind.Value && ConfigSchema.IsNumeric(m.Type, out _))
            {
                yield return (path, m, (m.Info.AttributeProvider as PropertyInfo)!.DeclaringType!);
            }
        }
    }

    /// <summary>Loads the defaults of <paramref name="root"/> with one override; null when it loads, the error otherwise.</summary>
    static UserErrorException? TryLoad(Type root, string assignment)
    {
        var load = typeof(ConfigLoader).GetMethod(nameof(ConfigLoader.Load))!.MakeGenericMethod(root);
        try
        {
            load.Invoke(null, [null, new[] { assignment }]);
            return null;
        }
        catch (TargetInvocationException e) when (e.InnerException is UserErrorException user)
        {
            Assert.DoesNotContain('\n', user.Message);
            Assert.EndsWith(".", user.Message);
            return user;
        }
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public void EveryNumericKeyRefusesNonsenseInOneSentence(Type root)
    {
        var keys = NumericKeys(root).ToList();
        var failures = new List<string>();
        foreach (var (path, member, owner) in keys)
        {
            var range = member.Range;
            if (range is null && !RangesInValidate.Contains(owner))
            {
                failures.Add($"{path} ({owner.Name}.{member.Info.AttributeProvider}) declares no [ValueRange]");
                continue;
            }
            var bad = AlwaysBad.ToList();
            if (range is null) bad.Add("-1");
            else if (double.IsFinite(range.Max) && range.Max < 1e29) bad.Add((range.Max * 10 + 1).ToString("R", CultureInfo.InvariantCulture));
            string Set(string v) => member.Type.IsArray || member.Type.IsGenericType && Nullable.GetUnderlyingType(member.Type) is null ? $"{path}=[{v}]" : $"{path}={v}";
            foreach (var v in bad)
                if (TryLoad(root, Set(v)) is null) failures.Add($"{path}={v} was accepted");
            if (range is null) continue;
            foreach (var v in new[] { 0.0, -1.0 })
                if (!range.Contains(v) && TryLoad(root, Set(v.ToString(CultureInfo.InvariantCulture))) is null)
                    failures.Add($"{path}={v} was accepted though its range is {range.Describe(false)}");
        }
        Assert.True(failures.Count == 0, $"{root.Name}: {keys.Count} numeric keys; problems:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void TheRootsIncludeEveryTrainer()
    {
        var roots = RootTypes();
        foreach (var t in new[] { typeof(ResGenRunConfig), typeof(ResGen.Tokens.TokenizerConfig), typeof(ResGen.Tokens.Speech.SpeechTokenizerConfig),
                     typeof(ResGen.Evaluation.ClassifierConfig), typeof(ResGen.Evaluation.Speech.SpeakerEncoderConfig) })
            Assert.Contains(t, roots);
        foreach (var kind in GeneratorKinds.All) Assert.Contains(kind.LoadConfig(null, []).GetType(), roots);
    }

    public static TheoryData<string> ShippedCheckpoints() =>
        [.. Directory.GetFiles(Path.Combine(Repo.Root(), "models"), "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.Root(), f)[..^".json".Length]).Order(StringComparer.Ordinal)];

    /// <summary>The declared ranges admit every shipped model's saved config (which is read through the same checks).</summary>
    [Theory]
    [MemberData(nameof(ShippedCheckpoints))]
    public void EveryShippedCheckpointsConfigIsInRange(string stem)
    {
        string path = Path.Combine(Repo.Root(), stem);
        string kind = ResGen.Training.Checkpoint.ReadInfo(path).Kind;
        object config = kind switch
        {
            ResGen.Tokens.TokenizerTraining.Kind => ResGen.Training.Checkpoint.LoadConfig<ResGen.Tokens.TokenizerConfig>(path, kind),
            ResGen.Tokens.Speech.SpeechTokenizerTraining.Kind => ResGen.Training.Checkpoint.LoadConfig<ResGen.Tokens.Speech.SpeechTokenizerConfig>(path, kind),
            ResGen.Evaluation.ClassifierTraining.Kind => ResGen.Training.Checkpoint.LoadConfig<ResGen.Evaluation.ClassifierConfig>(path, kind),
            ResGen.Evaluation.Speech.SpeakerEncoderTraining.Kind => ResGen.Training.Checkpoint.LoadConfig<ResGen.Evaluation.Speech.SpeakerEncoderConfig>(path, kind),
            _ => GeneratorKinds.Find(kind).ReadConfig(path),
        };
        Assert.NotNull(config);
    }

    [Fact]
    public void AnOutOfRangeValueIsNamedWithItsRange()
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<ResGenRunConfig>(null, ["train.lr=Infinity"]));
        Assert.Equal("Config key 'train.lr' must be a finite number in (0, 10], got Infinity.", e.Message);
    }
}
