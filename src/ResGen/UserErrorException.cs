namespace ResGen;

/// <summary>
/// An error the user can fix (a missing file, a bad argument, a corrupt input). The message is
/// one clear sentence meant to be shown as-is; the command-line tool prints it and exits with a
/// non-zero status instead of dumping a stack trace.
/// </summary>
/// <param name="message">One sentence saying what is wrong and, where possible, how to fix it.</param>
/// <param name="inner">The lower-level exception that revealed the problem, if any.</param>
public sealed class UserErrorException(string message, Exception? inner = null) : Exception(message, inner);
