namespace AlpineMirror.Demo;

/// <summary>Where <see cref="UpstreamWriter.Write"/> put a release, and how much it wrote.</summary>
public sealed record WrittenRelease
{
    /// <summary>The upstream root, e.g. served as <c>http://127.0.0.1:port/alpine/</c>.</summary>
    public required string Root { get; init; }

    /// <summary><c>&lt;Root&gt;/&lt;branch&gt;</c>, holding the repositories and <c>releases/</c>.</summary>
    public required string BranchDirectory { get; init; }

    /// <summary><c>&lt;Root&gt;/keys</c>, holding the public key that signed everything; load it with <c>TrustedKeys.Load</c>.</summary>
    public required string KeysDirectory { get; init; }

    /// <summary><c>&lt;Root&gt;/release-keys</c>, holding the OpenPGP key of the release <c>.asc</c> files; pass it as <c>--release-keys</c>.</summary>
    public required string ReleaseKeysDirectory { get; init; }

    public required int PackageCount { get; init; }

    /// <summary>The size of all .apk files.</summary>
    public required long PackageBytes { get; init; }

    /// <summary>Packages whose file an earlier <see cref="UpstreamWriter.Write"/> of the same writer had made, kept or copied instead of built.</summary>
    public required int ReusedPackageCount { get; init; }
}
