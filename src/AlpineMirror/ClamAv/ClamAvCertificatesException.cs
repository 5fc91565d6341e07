namespace AlpineMirror.ClamAv;

/// <summary>The <c>--clamav-certs</c> folder cannot be used: missing, or without a certificate; exit code 2.</summary>
public sealed class ClamAvCertificatesException(string source, string message)
    : UsageException(source, message);
