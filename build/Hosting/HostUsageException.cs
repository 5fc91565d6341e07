namespace AlpineMirror.Build.Hosting;

/// <summary>A command line the host cannot run: an unknown target or a malformed switch.</summary>
public sealed class HostUsageException(string message) : Exception(message);
