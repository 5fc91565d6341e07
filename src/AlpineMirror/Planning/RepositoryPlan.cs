using AlpineMirror.Apk;

namespace AlpineMirror.Planning;

/// <summary>What changes in one repository and architecture, e.g. main/x86_64.</summary>
public sealed record RepositoryPlan
{
    public required string Repo { get; init; }
    public required string Arch { get; init; }
    /// <summary>The verified upstream index, byte for byte as upstream signed it; Mirror writes it last.</summary>
    public required ReadOnlyMemory<byte> Index { get; init; }
    /// <summary>Every package the new index lists.</summary>
    public required IReadOnlyList<ApkIndexEntry> Packages { get; init; }
    public required IReadOnlyList<ApkIndexEntry> Added { get; init; }
    public required IReadOnlyList<PackageUpdate> Updated { get; init; }
    public required IReadOnlyList<ApkIndexEntry> Removed { get; init; }
    public required int Unchanged { get; init; }
    /// <summary>Packages to download: added, updated, and any the previous snapshot lacks or holds at the wrong size.</summary>
    public required IReadOnlyList<ApkIndexEntry> ToFetch { get; init; }
    /// <summary>False when the previous snapshot already holds this exact index.</summary>
    public required bool IndexChanged { get; init; }

    public long DownloadBytes => ToFetch.Sum(p => p.Size);
}
