using System.Security.Cryptography;

namespace AlpineMirror.Tests.Apk;

/// <summary>Packages whose control member is far past the readers' 16 MiB cap (real control members hold a few KiB).</summary>
internal static class OversizedControl
{
    private const int ContentLength = 17 << 20;

    /// <summary>A control member of a few KiB of gzip that inflates to 17 MiB of zeros, then a data member.</summary>
    public static byte[] Inflating() => WithData(HandMadeMembers.Gzip(HandMadeMembers.Tar(".PKGINFO", new byte[ContentLength], cut: true)));

    /// <summary>A control member of 17 MiB of incompressible bytes, so its gzip is larger than the cap too; then a data member.</summary>
    public static byte[] Unending() => WithData(HandMadeMembers.Gzip(HandMadeMembers.Tar(".PKGINFO", RandomNumberGenerator.GetBytes(ContentLength), cut: true)));

    private static byte[] WithData(byte[] control) =>
        [.. control, .. HandMadeMembers.Gzip(HandMadeMembers.Tar("usr/share/hello", "hello\n"u8.ToArray(), cut: false))];
}
