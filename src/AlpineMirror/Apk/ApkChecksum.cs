using System.Security.Cryptography;

namespace AlpineMirror.Apk;

/// <summary>A package identity as written in an APKINDEX <c>C:</c> field: digest algorithm and digest bytes (APK-FORMAT.md §1.4).</summary>
public sealed class ApkChecksum
{
    private const int Sha1Length = 20;
    private const int Sha256Length = 32;

    // Base64 decodes whole 3-byte blocks: a SHA-256 digest needs 33 bytes before its padding is taken off.
    private const int DecodeBufferLength = Sha256Length + 1;

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
        Span<byte> digest = stackalloc byte[DecodeBufferLength];
        if (!TryDecode(text, digest, out var length, out var algorithm, out error))
        {
            return false;
        }

        checksum = new ApkChecksum(algorithm, digest[..length].ToArray());
        return true;
    }

    /// <summary>Whether <see cref="TryParse"/> accepts <paramref name="text"/>, without keeping the digest: an index names thousands.</summary>
    internal static bool IsValid(ReadOnlySpan<char> text, out string? error) =>
        TryDecode(text, stackalloc byte[DecodeBufferLength], out _, out _, out error);

    private static bool TryDecode(
        ReadOnlySpan<char> text, Span<byte> digest, out int length, out HashAlgorithmName algorithm, out string? error)
    {
        length = 0;
        algorithm = default;
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

        var body = text[2..];
        length = text[0] == 'Q' ? DecodeBase64(body, digest) : DecodeHex(body, digest);
        HashAlgorithmName? found = length switch
        {
            Sha1Length when text[1] == '1' => HashAlgorithmName.SHA1,
            Sha256Length => HashAlgorithmName.SHA256,
            _ => null,
        };
        if (found is null)
        {
            error = $"malformed checksum {QuotedText.Of(text)}: expected Q1 and 28 base64 characters for SHA-1";
            return false;
        }

        algorithm = found.Value;
        return true;
    }

    /// <summary>Compares a computed digest in constant time.</summary>
    public bool Matches(ReadOnlySpan<byte> digest) => CryptographicOperations.FixedTimeEquals(_digest, digest);

    // Convert.TryFromBase64Chars skips white space; the alphabet and padding are checked here so only canonical text passes.
    // Returns the digest length, or -1 when the text is not the base64 of a SHA-1 or SHA-256 digest.
    private static int DecodeBase64(ReadOnlySpan<char> text, Span<byte> digest)
    {
        if (text.Length % 4 != 0)
        {
            return -1;
        }

        var padding = text.EndsWith("==") ? 2 : text.EndsWith("=") ? 1 : 0;
        foreach (var c in text[..^padding])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
            {
                return -1;
            }
        }

        // Only a digest length can be accepted, so longer text is refused before it is decoded.
        var blocksLength = text.Length / 4 * 3;
        if (blocksLength - padding is not (Sha1Length or Sha256Length))
        {
            return -1;
        }

        return Convert.TryFromBase64Chars(text, digest[..blocksLength], out var written) ? written : -1;
    }

    private static int DecodeHex(ReadOnlySpan<char> text, Span<byte> digest)
    {
        if (text.Length / 2 is not (Sha1Length or Sha256Length) || text.Length % 2 != 0 || !IsHex(text))
        {
            return -1;
        }

        return Convert.FromHexString(text, digest, out _, out var written) == System.Buffers.OperationStatus.Done ? written : -1;
    }

    private static bool IsHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept("0123456789abcdefABCDEF");
}
