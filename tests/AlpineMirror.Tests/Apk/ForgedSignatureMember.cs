using System.Security.Cryptography;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

/// <summary>
/// The attack of issue 7, defect 11: a package whose first gzip member (its <c>.SIGN.RSA.*</c>) is replaced by one
/// signed with another key under the trusted key's name, padded with a gzip comment to the original size. Size, C:
/// and datahash still match the index; only the package's own signature tells.
/// </summary>
internal static class ForgedSignatureMember
{
    private const byte FlagComment = 0x10;
    private const int HeaderLength = 10;

    public static byte[] Replace(byte[] package)
    {
        var members = GzipMembers.Split(package, "package");
        var (signature, control) = (members[0], members[1]);
        var keyName = ApkSignatureReader.Read(new MemoryStream(Inflate(package.AsSpan(signature.Offset, signature.Length))), "package")[0].KeyName;
        using var attacker = AttackerKey(keyName);
        var forged = SignatureSegment.Create(attacker, HashAlgorithmName.SHA1, package.AsSpan(control.Offset, control.Length), 0);
        var padding = signature.Length - forged.Length;
        Assert.True(padding >= 1, $"forged member of {forged.Length} bytes does not fit in {signature.Length}");

        // A comment is a zero-terminated string after the fixed header (RFC 1952 §2.3.1); nothing checks its bytes.
        var padded = new byte[signature.Length];
        forged.AsSpan(0, HeaderLength).CopyTo(padded);
        padded[3] |= FlagComment;
        padded.AsSpan(HeaderLength, padding - 1).Fill((byte)'A');
        forged.AsSpan(HeaderLength).CopyTo(padded.AsSpan(HeaderLength + padding));
        return [.. padded, .. package.AsSpan(signature.End)];
    }

    private static SigningKey AttackerKey(string trustedKeyName)
    {
        var directory = Directory.CreateTempSubdirectory("attacker-key-");
        try
        {
            using var made = SigningKey.Create("attacker@example.org");
            return SigningKey.Load(made.WritePrivateKey(directory.FullName), trustedKeyName);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static byte[] Inflate(ReadOnlySpan<byte> member)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(new MemoryStream(member.ToArray()), System.IO.Compression.CompressionMode.Decompress))
        {
            gzip.CopyTo(output);
        }

        output.Position = 0;
        return output.ToArray();
    }
}
