using System.Runtime.InteropServices;

namespace AlpineMirror.Build;

/// <summary>One cancellation token for the whole run, cancelled by Ctrl+C or SIGTERM (a CI job being stopped).</summary>
internal static class ShutdownSignal
{
    private static readonly CancellationTokenSource Source = new();
    private static readonly PosixSignalRegistration[] Registrations =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel),
    ];

    public static CancellationToken Token => Registrations.Length > 0 ? Source.Token : default;

    private static void Cancel(PosixSignalContext context)
    {
        context.Cancel = true;
        Source.Cancel();
    }
}
