using System.Globalization;

namespace AlpineMirror.Storage;

/// <summary>Who holds the run lock, as recorded in the lock file: <c>{"pid":…,"host":…,"started":…}</c>.</summary>
public sealed record RunLockHolder(int Pid, string Host, DateTimeOffset Started)
{
    /// <summary>The holder of this process, starting now.</summary>
    public static RunLockHolder Current() =>
        new(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow);

    /// <summary>"pid 4711 on host mirror1 since 2025-11-26T12:47:03Z".</summary>
    public override string ToString() =>
        $"pid {Pid} on host {Host} since {Started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";
}
