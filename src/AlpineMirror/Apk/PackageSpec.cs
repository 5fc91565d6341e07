namespace AlpineMirror.Apk;

/// <summary>What goes into a package: the <c>.PKGINFO</c> metadata and the data files (APK-FORMAT.md §1.2).</summary>
public sealed record PackageSpec
{
    public required string Name { get; init; }

    /// <summary>Version including the revision, e.g. <c>5.17-r0</c>.</summary>
    public required string Version { get; init; }

    public required string Arch { get; init; }
    public string Description { get; init; } = "";
    public string Url { get; init; } = "";
    public string License { get; init; } = "";

    /// <summary>The source package; defaults to <see cref="Name"/> like abuild's <c>$pkgbase</c>.</summary>
    public string? Origin { get; init; }

    public string Maintainer { get; init; } = "";
    public string Packager { get; init; } = "";
    public string Commit { get; init; } = "";

    /// <summary>builddate, unix seconds; also the mtime of every tar entry, so equal specs give identical bytes.</summary>
    public long BuildTime { get; init; }

    public int? ProviderPriority { get; init; }
    public IReadOnlyList<string> Depends { get; init; } = [];
    public IReadOnlyList<string> Provides { get; init; } = [];
    public IReadOnlyList<string> InstallIf { get; init; } = [];
    public IReadOnlyList<PackageFile> Files { get; init; } = [];
}
