using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AlpineMirror.ClamAv;

/// <summary>
/// Checks a <c>.cdiff</c> patch (CLAMAV-FORMAT.md §3): <c>ClamAV-Diff:&lt;version&gt;:&lt;length&gt;:</c>, the gzip
/// script, then <c>:&lt;dsig&gt;</c>, an RSASSA-PSS signature (SHA-256, salt 32) over every byte before that last colon.
/// </summary>
public static class CdiffVerifier
{
    private const string Magic = "ClamAV-Diff:";
    private const int MaxSignatureLength = 350;
    private const int SignatureBytes = 256;

    /// <summary>Verifies the patch at <paramref name="path"/> and returns the version it brings a database to.</summary>
    /// <exception cref="ClamAvFormatException">Malformed, truncated, or the signature does not verify.</exception>
    public static int Verify(string path, string source)
    {
        var bytes = File.ReadAllBytes(path);
        var version = ParseVersion(bytes, source);
        var colon = Array.LastIndexOf(bytes, (byte)':');
        var signatureText = Encoding.ASCII.GetString(bytes, colon + 1, bytes.Length - colon - 1).TrimEnd('\n', '\r', ' ');
        if (signatureText.Length is 0 or > MaxSignatureLength)
        {
            throw new ClamAvFormatException(source, $"dsig: expected 1 to {MaxSignatureLength} characters after the last ':', got {signatureText.Length} (truncated?)");
        }

        if (ClamAvNumber.Parse(signatureText) is not { } number || number.GetByteCount(isUnsigned: true) > SignatureBytes)
        {
            throw new ClamAvFormatException(source, "dsig: expected ClamAV base64 of at most 256 bytes after the last ':'");
        }

        var signature = new byte[SignatureBytes];
        var digits = number.ToByteArray(isUnsigned: true, isBigEndian: true);
        digits.CopyTo(signature, SignatureBytes - digits.Length);
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = ClamAvKeys.CdiffModulus.ToByteArray(isUnsigned: true, isBigEndian: true),
            Exponent = ClamAvKeys.CdiffExponent.ToByteArray(isUnsigned: true, isBigEndian: true),
        });
        var digest = SHA256.HashData(bytes.AsSpan(0, colon));
        if (!rsa.VerifyHash(digest, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss))
        {
            throw new ClamAvFormatException(source, "dsig: does not verify with ClamAV's cdiff key (damaged, truncated or not ClamAV's)");
        }

        return version;
    }

    private static int ParseVersion(byte[] bytes, string source)
    {
        var head = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64));
        var parts = head.Split(':');
        if (!head.StartsWith(Magic, StringComparison.Ordinal) || parts.Length < 4
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new ClamAvFormatException(source, $"header: expected '{Magic}<version>:<length>:', got '{head.Split('\u001f')[0]}'");
        }

        return version;
    }
}
