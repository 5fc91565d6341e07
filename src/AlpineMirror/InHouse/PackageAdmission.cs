using System.Text;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;

namespace AlpineMirror.InHouse;

/// <summary>
/// What a package must show before it enters the in-house repository: its own signature by a trusted key (a builder's,
/// the vendor's or the in-house key), a well-formed v2 structure whose data matches its <c>datahash</c>, a
/// <c>pkgname</c> and <c>pkgver</c> that are valid and safe as a file name, and an arch the mirror serves.
/// </summary>
public static partial class PackageAdmission
{
    private const int MaxFileNameBytes = 255;

    /// <summary>Verifies <paramref name="file"/> and returns its record (<c>A:</c> as <c>.PKGINFO</c> says).</summary>
    /// <param name="source">What errors name: the drop-folder path or vendor URL the file came from.</param>
    /// <param name="folderArch">The arch of the folder the package came from, if it came from one.</param>
    /// <exception cref="InHouseException">Any check failed; the message names <paramref name="source"/> and the reason.</exception>
    public static ApkIndexEntry Admit(string file, string source, TrustedKeys signers, IReadOnlyCollection<string> archs, string? folderArch)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(signers);
        ArgumentNullException.ThrowIfNull(archs);
        ApkIndexEntry entry;
        try
        {
            entry = ApkPackageReader.ReadSignedIndexEntry(file, signers);
        }
        catch (IntegrityException error)
        {
            // A staged copy is what was read; the operator knows the file by where it came from.
            var detail = error.Message.StartsWith(error.Source + ": ", StringComparison.Ordinal) ? error.Message[(error.Source.Length + 2)..] : error.Message;
            throw new InHouseException(source, detail, error);
        }

        RequireSafeIdentity(entry, source);
        RequireArch(entry, source, archs, folderArch);
        return entry;
    }

    /// <summary>Checks that a record's name and version make a safe, valid file name (for records a vendor index lists too).</summary>
    /// <exception cref="InHouseException">They do not.</exception>
    public static void RequireSafeIdentity(ApkIndexEntry entry, string source)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!PackageName().IsMatch(entry.Name) || entry.Name.Contains("..", StringComparison.Ordinal))
        {
            throw new InHouseException(source, $"pkgname: expected [a-zA-Z0-9][a-zA-Z0-9.+_-]* without '..', got '{Printable(entry.Name)}'");
        }

        if (!ApkVersion.IsValid(entry.Version))
        {
            throw new InHouseException(source, $"{entry.Name} pkgver: expected an apk version such as 1.2.3-r0, got '{Printable(entry.Version)}'");
        }

        if (Encoding.UTF8.GetByteCount(entry.FileName) > MaxFileNameBytes)
        {
            throw new InHouseException(source, $"{entry.Name} file name: expected at most {MaxFileNameBytes} bytes, got {Encoding.UTF8.GetByteCount(entry.FileName)}");
        }
    }

    private static void RequireArch(ApkIndexEntry entry, string source, IReadOnlyCollection<string> archs, string? folderArch)
    {
        if (folderArch is not null && entry.Arch != folderArch && entry.Arch != InHousePackage.NoArch)
        {
            throw new InHouseException(source, $"{entry.FileName} arch: expected {folderArch} (its folder) or noarch, got '{Printable(entry.Arch)}'");
        }

        if (entry.Arch != InHousePackage.NoArch && !archs.Contains(entry.Arch))
        {
            throw new InHouseException(source,
                $"{entry.FileName} arch: expected {string.Join(", ", archs)} (--arch) or noarch, got '{Printable(entry.Arch)}'");
        }
    }

    // Control characters would break the one-line message.
    private static string Printable(string value) => string.Concat(value.Select(c => char.IsControl(c) ? '?' : c));

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9.+_-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PackageName();
}
