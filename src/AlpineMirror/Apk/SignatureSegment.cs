using System.Security.Cryptography;

namespace AlpineMirror.Apk;

/// <summary>The first gzip member of a signed .apk or APKINDEX.tar.gz, as <c>abuild-sign</c> makes it (APK-FORMAT.md §1.1, §2.2).</summary>
internal static class SignatureSegment
{
    /// <summary>A cut tar with one <c>.SIGN.&lt;ALG&gt;.&lt;key&gt;</c> entry signing the raw bytes of <paramref name="signedMember"/>, gzipped.</summary>
    public static byte[] Create(SigningKey key, HashAlgorithmName hash, ReadOnlySpan<byte> signedMember, long modifiedUnixTime)
    {
        var entryName = key.SignatureEntryName(hash);
        var signature = key.Sign(signedMember, hash);
        using var tar = new TarSegmentBuilder(paxHeaders: true, modifiedUnixTime);
        tar.AddFile(entryName, signature, PackageFile.RegularMode);
        return tar.ToGzipMember(cut: true);
    }
}
