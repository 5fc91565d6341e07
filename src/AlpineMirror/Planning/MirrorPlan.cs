using System.Security.Cryptography;
using AlpineMirror.Upstream;

namespace AlpineMirror.Planning;

/// <summary>The whole answer of a dry run, and exactly what an update then executes.</summary>
public sealed record MirrorPlan
{
    /// <summary>The folder name the new snapshot gets; the current one's name when nothing changed.</summary>
    public required string Snapshot { get; init; }
    /// <summary>The snapshot latest-stable points to now, or null on an empty root.</summary>
    public required string? PreviousSnapshot { get; init; }
    public required string Branch { get; init; }
    public required Uri Upstream { get; init; }
    public required IReadOnlyList<RepositoryPlan> Repositories { get; init; }
    public required IReadOnlyList<ReleasePlan> Releases { get; init; }
    public required IReadOnlyList<KernelChange> Kernels { get; init; }

    /// <summary>
    /// A snapshot newer than the current one that already holds exactly what upstream serves but that latest-stable
    /// does not point to: a run stopped inside Relink. The update only switches the links to it.
    /// </summary>
    public string? PublishedButNotLinked { get; init; }

    /// <summary>
    /// The snapshot the operator rolled back from, when upstream still serves exactly it: publishing it again would undo
    /// the rollback, so nothing changes until upstream moves on (or the operator rolls forward with Rollback --to).
    /// </summary>
    public string? RolledBackFrom { get; init; }

    /// <summary>
    /// Links of the root that should point to the current snapshot and do not (a branch alias a stopped run left behind):
    /// Relink brings them to it even when nothing new is published.
    /// </summary>
    public IReadOnlyList<string> StaleLinks { get; init; } = [];

    /// <summary>What the planner noticed but could work around, e.g. an unreadable line of the run history.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public int PackagesToFetch => Repositories.Sum(r => r.ToFetch.Count);
    public int ReleaseFilesToFetch => Releases.Sum(r => r.ToFetch.Count());
    public long DownloadBytes => Repositories.Sum(r => r.DownloadBytes) + Releases.Sum(r => r.DownloadBytes);

    /// <summary>False when the published snapshot already is what upstream serves: an update then publishes nothing.</summary>
    public bool HasChanges => RolledBackFrom is null && (PublishedButNotLinked is not null || DiffersFromPrevious);

    /// <summary>Whether a new snapshot must be staged, mirrored and verified (rather than only linked, or nothing).</summary>
    public bool NeedsMirror => HasChanges && PublishedButNotLinked is null;

    /// <summary>Whether Relink has work: a snapshot to publish or link, or links to bring back to the current one.</summary>
    public bool NeedsRelink => HasChanges || StaleLinks.Count > 0;

    /// <summary>
    /// SHA-256 (lower-case hex) of every signed index and latest-releases.yaml the snapshot holds, by its path in the
    /// snapshot: what its publication record names it by.
    /// </summary>
    public IReadOnlyDictionary<string, string> IndexDigests() =>
        Repositories.Select(r => (Path: UpstreamLayout.IndexPath(r.Repo, r.Arch), Bytes: r.Index))
            .Concat(Releases.Select(r => (Path: UpstreamLayout.LatestReleasesPath(r.Arch), Bytes: r.LatestReleases)))
            .ToDictionary(f => f.Path, f => Convert.ToHexStringLower(SHA256.HashData(f.Bytes.Span)), StringComparer.Ordinal);

    private bool DiffersFromPrevious =>
        PreviousSnapshot is null
        || PackagesToFetch > 0
        || ReleaseFilesToFetch > 0
        || Repositories.Any(r => r.IndexChanged || r.Removed.Count > 0)
        || Releases.Any(r => r.LatestReleasesChanged);
}
