namespace ResGen;

/// <summary>An error the user can fix; its message is one clear sentence.</summary>
public sealed class UserErrorException(string message, Exception? inner = null) : Exception(message, inner);
