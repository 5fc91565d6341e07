namespace AlpineMirror.Planning;

/// <summary>The JSON form of a <see cref="MirrorPlan"/>, for <c>--report</c> and CI artifacts.</summary>
public sealed record PlanReport(
    string Snapshot,
    string? PreviousSnapshot,
    string Branch,
    string Upstream,
    bool HasChanges,
    IReadOnlyList<PlanReport.Repository> Repositories,
    IReadOnlyList<PlanReport.Release> Releases,
    IReadOnlyList<PlanReport.Kernel> Kernels,
    PlanReport.Total Totals)
{
    public sealed record Package(string Name, string Version, long Size);
    public sealed record Update(string Name, string From, string To, long Size);
    public sealed record Repository(
        string Repo, string Arch, int Added, int Updated, int Removed, int Unchanged, int PackagesToFetch, long DownloadBytes,
        IReadOnlyList<Package> AddedPackages, IReadOnlyList<Update> UpdatedPackages, IReadOnlyList<Package> RemovedPackages);
    public sealed record ReleaseFileEntry(string Name, long? Size, bool Fetch);
    public sealed record Release(string Arch, string Version, string? Netboot, long DownloadBytes, IReadOnlyList<ReleaseFileEntry> Files);
    public sealed record Kernel(string Package, string Arch, string? From, string? To, bool Changed);
    public sealed record Total(int PackagesToFetch, int ReleaseFilesToFetch, long DownloadBytes, int Added, int Updated, int Removed);

    public static PlanReport From(MirrorPlan plan) => new(
        plan.Snapshot,
        plan.PreviousSnapshot,
        plan.Branch,
        plan.Upstream.AbsoluteUri,
        plan.HasChanges,
        plan.Repositories.Select(r => new Repository(
            r.Repo, r.Arch, r.Added.Count, r.Updated.Count, r.Removed.Count, r.Unchanged, r.ToFetch.Count, r.DownloadBytes,
            r.Added.Select(p => new Package(p.Name, p.Version, p.Size)).ToList(),
            r.Updated.Select(u => new Update(u.To.Name, u.From.Version, u.To.Version, u.To.Size)).ToList(),
            r.Removed.Select(p => new Package(p.Name, p.Version, p.Size)).ToList())).ToList(),
        plan.Releases.Select(r => new Release(
            r.Arch, r.Version, r.NetbootImage is null ? null : r.NetbootDirectory, r.DownloadBytes,
            r.Files.Select(f => new ReleaseFileEntry(f.Name, f.Size, f.Fetch)).ToList())).ToList(),
        plan.Kernels.Select(k => new Kernel(k.Package, k.Arch, k.From, k.To, k.Changed)).ToList(),
        new Total(
            plan.PackagesToFetch,
            plan.ReleaseFilesToFetch,
            plan.DownloadBytes,
            plan.Repositories.Sum(r => r.Added.Count),
            plan.Repositories.Sum(r => r.Updated.Count),
            plan.Repositories.Sum(r => r.Removed.Count)));
}
