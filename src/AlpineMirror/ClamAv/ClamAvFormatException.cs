namespace AlpineMirror.ClamAv;

/// <summary>
/// A ClamAV database file (<c>.cvd</c>, <c>.cdiff</c>, <c>.sign</c>) that is malformed, fails its signature, or whose
/// version disagrees with its name or the announcement: nothing of its database is published; exit code 3.
/// </summary>
public sealed class ClamAvFormatException(string source, string message, Exception? inner = null)
    : IntegrityException(source, message, inner);
