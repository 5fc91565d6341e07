namespace AlpineMirror.Upstream;

/// <summary>A release file's detached OpenPGP signature (<c>.asc</c>) that is missing, malformed, by an unknown key, or does not verify.</summary>
public sealed class ReleaseSignatureException(string source, string message, Exception? inner = null)
    : IntegrityException(source, message, inner);
