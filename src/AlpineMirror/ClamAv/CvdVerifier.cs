using System.Numerics;
using System.Security.Cryptography;

namespace AlpineMirror.ClamAv;

/// <summary>
/// Checks a whole <c>.cvd</c> the way libclamav does (CLAMAV-FORMAT.md §2): the MD5 of the body equals the header's
/// <c>md5</c>, and the <c>dsig</c>, raised to ClamAV's CVD key, gives that same MD5.
/// </summary>
public static class CvdVerifier
{
    /// <summary>Verifies the database at <paramref name="path"/> and returns its header.</summary>
    /// <param name="source">How to name the file in an error (its URL or served name).</param>
    /// <exception cref="ClamAvFormatException">Malformed header, no body, wrong MD5 or a signature that does not verify.</exception>
    public static CvdHeader Verify(string path, string source)
    {
        using var file = File.OpenRead(path);
        return Verify(file, source);
    }

    /// <summary>Verifies the database read from <paramref name="file"/> (from its start to its end) and returns its header.</summary>
    /// <exception cref="ClamAvFormatException">Malformed header, no body, wrong MD5 or a signature that does not verify.</exception>
    public static CvdHeader Verify(Stream file, string source)
    {
        ArgumentNullException.ThrowIfNull(file);
        var headerBytes = new byte[CvdHeader.Length];
        var read = file.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        var header = CvdHeader.Parse(headerBytes.AsSpan(0, read), source);
        if (file.Length == CvdHeader.Length)
        {
            throw new ClamAvFormatException(source, "body: expected a compressed database after the 512-byte header, got nothing");
        }

        var md5 = Convert.ToHexStringLower(MD5.HashData(file));
        if (md5 != header.Md5)
        {
            throw new ClamAvFormatException(source, $"md5: the header says {header.Md5}, the body's is {md5} (damaged or truncated)");
        }

        if (!SignatureMatches(header.Dsig, md5))
        {
            throw new ClamAvFormatException(source, $"dsig: does not verify with ClamAV's CVD key for md5 {md5}");
        }

        return header;
    }

    private static bool SignatureMatches(string dsig, string md5)
    {
        if (ClamAvNumber.Parse(dsig) is not { } signature || signature >= ClamAvKeys.CvdModulus)
        {
            return false;
        }

        var message = BigInteger.ModPow(signature, ClamAvKeys.CvdExponent, ClamAvKeys.CvdModulus);
        var bytes = message.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (bytes.Length > 16)
        {
            return false;
        }

        var padded = new byte[16];
        bytes.CopyTo(padded, 16 - bytes.Length);
        return Convert.ToHexStringLower(padded) == md5;
    }
}
