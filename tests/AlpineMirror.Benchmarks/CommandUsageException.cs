namespace AlpineMirror.Benchmarks;

/// <summary>A bench command was called with missing or malformed options; the message says which.</summary>
internal sealed class CommandUsageException(string message) : Exception(message);
