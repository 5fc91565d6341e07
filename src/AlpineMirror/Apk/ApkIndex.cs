namespace AlpineMirror.Apk;

/// <summary>A verified and parsed <c>APKINDEX.tar.gz</c>.</summary>
public sealed record ApkIndex
{
    /// <summary>The DESCRIPTION entry (for Alpine the aports <c>git describe</c>, e.g. v3.22.2-206-ge2cfd1f9853), if present.</summary>
    public string? Description { get; init; }

    /// <summary>The package records in index order.</summary>
    public required IReadOnlyList<ApkIndexEntry> Entries { get; init; }

    /// <summary>The file name of the trusted key whose signature verified.</summary>
    public required string SignedBy { get; init; }

    /// <summary>The signature algorithm word: RSA (SHA-1), RSA256 or RSA512.</summary>
    public required string SignatureAlgorithm { get; init; }
}
