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

    public int PackagesToFetch => Repositories.Sum(r => r.ToFetch.Count);
    public int ReleaseFilesToFetch => Releases.Sum(r => r.ToFetch.Count());
    public long DownloadBytes => Repositories.Sum(r => r.DownloadBytes) + Releases.Sum(r => r.DownloadBytes);

    /// <summary>False when the published snapshot already is what upstream serves: an update then publishes nothing.</summary>
    public bool HasChanges =>
        PreviousSnapshot is null
        || PackagesToFetch > 0
        || ReleaseFilesToFetch > 0
        || Repositories.Any(r => r.IndexChanged || r.Removed.Count > 0)
        || Releases.Any(r => r.LatestReleasesChanged);
}
