namespace AlpineMirror.Apk;

/// <summary>A signed file whose signatures are missing, unknown or do not verify.</summary>
public sealed class SignatureException(string source, string message)
    : IntegrityException(source, message);
