using System.Runtime.InteropServices;

namespace ResGen.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl-C) or SIGTERM into a request that long work finishes its step and
/// saves; a second signal ends the process at once. Verbs that cannot stop gracefully ignore the
/// token, so for them the first signal ends the process as usual.
/// </summary>
public static class GracefulStop
{
    static CancellationTokenSource _source = new();
    static bool _listened;

    /// <summary>Cancelled by the first SIGINT/SIGTERM of a verb that asked for it (see <see cref="Token"/>).</summary>
    public static CancellationToken Token { get { _listened = true; return _source.Token; } }

    /// <summary>Registers the signal handlers for the lifetime of the returned object.</summary>
    public static IDisposable Listen()
    {
        _source = new CancellationTokenSource();
        _listened = false;
        var handlers = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(s => PosixSignalRegistration.Create(s, OnSignal)).ToArray();
        return new Registrations(handlers);
    }

    static void OnSignal(PosixSignalContext context)
    {
        if (!_listened || _source.IsCancellationRequested) return; // default: the process ends
        context.Cancel = true;
        Console.Error.WriteLine($"{context.Signal}: finishing the work in hand (a training step and its checkpoint, a batch of samples), then stopping; signal again to quit at once...");
        _source.Cancel();
    }

    sealed class Registrations(PosixSignalRegistration[] handlers) : IDisposable
    {
        public void Dispose() { foreach (var h in handlers) h.Dispose(); }
    }
}
