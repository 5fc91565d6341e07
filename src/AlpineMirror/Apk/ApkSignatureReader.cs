using System.Formats.Tar;

namespace AlpineMirror.Apk;

/// <summary>Reads the <c>.SIGN.*</c> entries from the decompressed first gzip member of a package or index (APK-FORMAT.md §1.1, §2.1).</summary>
public static class ApkSignatureReader
{
    /// <summary>The name prefix apk recognises signature files by.</summary>
    internal const string Prefix = ".SIGN.";

    // apk-tools 3 ignores larger signature files (extract_v2.c); a 4096-bit RSA signature is 512 bytes.
    private const int MaxSignatureLength = 65536;

    /// <summary>
    /// The signatures in <paramref name="tar"/>, a "cut" tar without end-of-archive blocks; pax and GNU long-name
    /// headers are resolved. Empty when the first entry is not a <c>.SIGN.*</c> file: apk then treats the member
    /// as the control segment of an unsigned package.
    /// </summary>
    /// <exception cref="ApkFormatException">The tar is malformed.</exception>
    public static IReadOnlyList<ApkSignature> Read(Stream tar, string source)
    {
        ArgumentNullException.ThrowIfNull(tar);
        ArgumentNullException.ThrowIfNull(source);
        var signatures = new List<ApkSignature>();
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            while (reader.GetNextEntry() is { } entry)
            {
                // Like apk, the signature section ends at the first entry that is not a signature.
                if (!entry.Name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    break;
                }

                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    || entry.Length > MaxSignatureLength
                    || entry.DataStream is null
                    || ParseName(entry.Name) is not var (algorithm, keyName))
                {
                    continue;
                }

                var value = new byte[entry.Length];
                entry.DataStream.ReadExactly(value);
                signatures.Add(new ApkSignature(entry.Name, algorithm, keyName, value));
            }
        }
        catch (Exception error) when (MalformedTar.Is(error))
        {
            throw new ApkFormatException(source, $"malformed signature tar: {MalformedTar.Describe(error)}", error);
        }

        return signatures;
    }

    // ".SIGN.RSA256.name.rsa.pub" -> ("RSA256", "name.rsa.pub"); key names are plain file names.
    private static (string Algorithm, string KeyName)? ParseName(string entryName)
    {
        var rest = entryName.AsSpan(Prefix.Length);
        var dot = rest.IndexOf('.');
        if (dot <= 0 || dot == rest.Length - 1)
        {
            return null;
        }

        var keyName = rest[(dot + 1)..];
        if (keyName.Contains('/') || keyName is "." or "..")
        {
            return null;
        }

        return (rest[..dot].ToString(), keyName.ToString());
    }
}
