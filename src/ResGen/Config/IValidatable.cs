namespace ResGen.Config;

/// <summary>
/// A configuration section that can check its own values once loading has finished.
/// <see cref="ConfigLoader"/> calls <see cref="Validate"/> on every section that implements it,
/// innermost sections first.
/// </summary>
public interface IValidatable
{
    /// <summary>Throws <see cref="UserErrorException"/> when a value is out of range or inconsistent.</summary>
    void Validate();
}
