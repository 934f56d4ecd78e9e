namespace ResGen.Config;

/// <summary>
/// Marks a config key whose value the program fills in itself (for example from the tokenizer and
/// token cache a run trains on). It is saved with checkpoints, but a config file or a --set override
/// that gives it is an error, since the value would be replaced without a word.
/// </summary>
/// <param name="source">Where the value comes from, for the error message.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DerivedAttribute(string source) : Attribute
{
    public string Source { get; } = source;
}
