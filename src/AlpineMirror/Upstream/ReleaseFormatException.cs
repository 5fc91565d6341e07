namespace AlpineMirror.Upstream;

/// <summary>Release metadata (<c>latest-releases.yaml</c>, release file paths) that does not follow upstream's format.</summary>
public sealed class ReleaseFormatException(string source, string message, Exception? inner = null)
    : IntegrityException(source, message, inner);
