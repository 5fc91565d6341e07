using AlpineMirror.Apk;

namespace AlpineMirror.InHouse;

/// <summary>A package a source offers: its record, where it came from, and the file to publish.</summary>
/// <param name="Entry">The record from its <c>.PKGINFO</c>; <c>A:</c> is <c>noarch</c> for a package every arch lists.</param>
/// <param name="Source">The drop-folder path or vendor URL named in messages.</param>
/// <param name="File">The verified file to publish; null in a plan, which reads without staging.</param>
public sealed record InHousePackage(ApkIndexEntry Entry, string Source, string? File)
{
    public const string NoArch = "noarch";

    /// <summary><c>&lt;name&gt;-&lt;version&gt;</c>.</summary>
    public string Id => $"{Entry.Name}-{Entry.Version}";

    /// <summary>Whether the index of <paramref name="arch"/> lists this package.</summary>
    public bool BelongsTo(string arch) => Entry.Arch == arch || Entry.Arch == NoArch;
}
