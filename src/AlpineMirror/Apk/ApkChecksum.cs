using System.Security.Cryptography;

namespace AlpineMirror.Apk;

/// <summary>A package identity as written in an APKINDEX <c>C:</c> field: digest algorithm and digest bytes (APK-FORMAT.md §1.4).</summary>
public sealed class ApkChecksum
{
    private const int Sha1Length = 20;
    private const int Sha256Length = 32;

    private readonly byte[] _digest;

    private ApkChecksum(HashAlgorithmName algorithm, byte[] digest)
    {
        Algorithm = algorithm;
        _digest = digest;
    }

    /// <summary>SHA-1 for the <c>Q1</c> identities apk writes; SHA-256 for the <c>Q2</c>/long forms apk-tools 3 also reads.</summary>
    public HashAlgorithmName Algorithm { get; }

    public ReadOnlySpan<byte> Digest => _digest;

    /// <summary>The form apk writes: <c>Q1</c> + base64 of a SHA-1 digest.</summary>
    public static string FormatSha1(ReadOnlySpan<byte> sha1) => "Q1" + Convert.ToBase64String(sha1);

    /// <summary>
    /// Parses <c>Q1</c>/<c>Q2</c> (base64) and <c>X1</c>/<c>X2</c> (hex) identities; as in apk-tools 3, a digest long
    /// enough for SHA-256 is SHA-256 whatever the digit says. Legacy MD5 identities are refused: MD5 proves nothing.
    /// </summary>
    /// <param name="error">Why the value was refused, quoting it.</param>
    public static bool TryParse(string text, out ApkChecksum? checksum, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        checksum = null;
        error = null;
        if (text.Length == 32 && IsHex(text))
        {
            error = $"MD5 identity {QuotedText.Of(text)} is not supported";
            return false;
        }

        if (text.Length < 3 || text[0] is not ('Q' or 'X') || text[1] is not ('1' or '2'))
        {
            error = $"unknown checksum format {QuotedText.Of(text)}: expected Q1 followed by base64";
            return false;
        }

        var body = text.AsSpan(2);
        var digest = text[0] == 'Q' ? DecodeBase64(body) : DecodeHex(body);
        var algorithm = digest?.Length switch
        {
            Sha1Length when text[1] == '1' => HashAlgorithmName.SHA1,
            Sha256Length => HashAlgorithmName.SHA256,
            _ => (HashAlgorithmName?)null,
        };
        if (digest is null || algorithm is null)
        {
            error = $"malformed checksum {QuotedText.Of(text)}: expected Q1 and 28 base64 characters for SHA-1";
            return false;
        }

        checksum = new ApkChecksum(algorithm.Value, digest);
        return true;
    }

    /// <summary>Compares a computed digest in constant time.</summary>
    public bool Matches(ReadOnlySpan<byte> digest) => CryptographicOperations.FixedTimeEquals(_digest, digest);

    // Convert.TryFromBase64Chars skips white space; the alphabet and padding are checked here so only canonical text passes.
    private static byte[]? DecodeBase64(ReadOnlySpan<char> text)
    {
        if (text.Length % 4 != 0)
        {
            return null;
        }

        var padding = text.EndsWith("==") ? 2 : text.EndsWith("=") ? 1 : 0;
        foreach (var c in text[..^padding])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
            {
                return null;
            }
        }

        var buffer = new byte[text.Length / 4 * 3];
        return Convert.TryFromBase64Chars(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static byte[]? DecodeHex(ReadOnlySpan<char> text) =>
        text.Length % 2 == 0 && IsHex(text) ? Convert.FromHexString(text) : null;

    private static bool IsHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept("0123456789abcdefABCDEF");
}
