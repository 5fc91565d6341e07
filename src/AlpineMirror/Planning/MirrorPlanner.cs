using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.Planning;

/// <summary>
/// Computes a <see cref="MirrorPlan"/>: downloads and verifies upstream's signed indexes and latest-releases.yaml
/// and compares them with the snapshot latest-stable points to. Writes nothing.
/// </summary>
public sealed class MirrorPlanner(UpstreamClient client, TrustedKeys keys)
{
    // Real indexes are under 2 MB; the cap only stops a hostile or broken server from filling memory.
    private const long MaxIndexBytes = 64L << 20;
    private const long MaxLatestReleasesBytes = 1L << 20;

    public async Task<MirrorPlan> PlanAsync(MirrorOptions options, CancellationToken cancellationToken)
    {
        var root = new MirrorRoot(options.RequireRoot());
        var layout = new UpstreamLayout(options.Upstream, options.RequireBranch());
        var previous = root.CurrentSnapshot();
        var previousPath = previous is null ? null : root.SnapshotPath(previous);

        // Every index and release list at once: far from upstream, each is a round trip, and reading one overlaps
        // fetching the others. Awaited in the order listed, so the first failure reported is always the same one.
        var planned = options.Archs
            .SelectMany(arch => options.Repos.Select(repo => PlanRepositoryAsync(layout, repo, arch, previousPath, cancellationToken)))
            .ToList();
        var fetchingReleases = options.Releases || options.Version is null
            ? options.Archs.Select(arch => FetchLatestReleasesAsync(layout, arch, options, cancellationToken)).ToList()
            : [];
        await Task.WhenAll([.. planned, .. fetchingReleases]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var repositories = new List<(RepositoryPlan Plan, IReadOnlyList<ApkIndexEntry> Previous)>();
        foreach (var repository in planned)
        {
            repositories.Add(await repository);
        }

        var latestReleases = new List<(string Arch, byte[] Bytes, LatestReleases Parsed)>();
        foreach (var release in fetchingReleases)
        {
            latestReleases.Add(await release);
        }
        var releases = options.Releases
            ? latestReleases.Select(r => PlanReleases(r.Arch, r.Bytes, r.Parsed, previousPath)).ToList()
            : [];

        var draft = new MirrorPlan
        {
            Snapshot = previous ?? "",
            PreviousSnapshot = previous,
            Branch = layout.Branch,
            Upstream = options.Upstream,
            Repositories = repositories.Select(r => r.Plan).ToList(),
            Releases = releases,
            Kernels = KernelChanges(repositories),
        };

        var warnings = new List<string>();
        MirrorPlan plan;
        if (NewestUnlinked(root, previous) is { } newest && draft.HasChanges && Holds(root.SnapshotPath(newest.Name), newest.Publication, draft))
        {
            var rolledBackFrom = new RunHistory(root).ReadAll(warnings.Add)
                .Any(r => r.Action == RunAction.Rollback && r.Previous == newest.Name);
            plan = rolledBackFrom
                ? draft with { Snapshot = previous!, RolledBackFrom = newest.Name }
                : draft with { Snapshot = newest.Name, PublishedButNotLinked = newest.Name };
        }
        else
        {
            var release = options.Version ?? latestReleases.Select(r => r.Parsed.Version).Max(SnapshotName.Comparer)!;
            plan = draft with { Snapshot = NameSnapshot(draft, release, options.Version is not null, root) };
        }

        // A publication switches every link anyway; with nothing to publish, links a stopped run left behind are repaired.
        return plan with { Warnings = warnings, StaleLinks = plan.HasChanges ? [] : SnapshotPublisher.StaleLinks(root, layout.Branch) };
    }

    /// <summary>
    /// The newest published snapshot when it is newer than the one latest-stable points to, with the record that
    /// this tool published it (a run stopped inside Relink, or a snapshot rolled back from).
    /// </summary>
    /// <exception cref="UnpublishedSnapshotException">A folder newer than latest-stable that this tool did not publish.</exception>
    private static (string Name, SnapshotPublication Publication)? NewestUnlinked(MirrorRoot root, string? current)
    {
        (string, SnapshotPublication)? newest = null;
        foreach (var name in root.PublishedSnapshots().Where(name => current is null || SnapshotName.Comparer.Compare(name, current) > 0))
        {
            newest = (name, SnapshotPublication.Find(root, name)
                ?? throw new UnpublishedSnapshotException(root.SnapshotPath(name), current ?? "none"));
        }

        return newest;
    }

    /// <summary>
    /// Whether a snapshot this tool published holds upstream's exact signed indexes and release lists: its record names
    /// the same digests, and its files still hold those bytes.
    /// </summary>
    private static bool Holds(string snapshot, SnapshotPublication publication, MirrorPlan plan)
    {
        var digests = plan.IndexDigests();
        return publication.Indexes.Count == digests.Count
            && digests.All(d => publication.Indexes.TryGetValue(d.Key, out var recorded) && recorded == d.Value)
            && plan.Repositories.All(r => SameBytes(Path.Combine(snapshot, UpstreamLayout.IndexPath(r.Repo, r.Arch)), r.Index.Span))
            && plan.Releases.All(r => SameBytes(Path.Combine(snapshot, UpstreamLayout.LatestReleasesPath(r.Arch)), r.LatestReleases.Span));
    }

    private static bool SameBytes(string path, ReadOnlySpan<byte> expected) =>
        File.Exists(path) && new FileInfo(path).Length == expected.Length && expected.SequenceEqual(File.ReadAllBytes(path));

    private static string NameSnapshot(MirrorPlan plan, string release, bool chosenByOperator, MirrorRoot root)
    {
        if (!plan.HasChanges)
        {
            return plan.PreviousSnapshot!;
        }

        if (!chosenByOperator)
        {
            return SnapshotName.Next(release, root.PublishedSnapshots());
        }

        return root.PublishedSnapshots().Contains(release)
            ? throw new ConfigurationException("--version", $"a snapshot named {release} is already published under {root.Path}")
            : release;
    }

    private async Task<(RepositoryPlan Plan, IReadOnlyList<ApkIndexEntry> Previous)> PlanRepositoryAsync(
        UpstreamLayout layout, string repo, string arch, string? previousPath, CancellationToken cancellationToken)
    {
        var uri = layout.IndexUri(repo, arch);
        var bytes = await client.GetBytesAsync(uri, MaxIndexBytes, cancellationToken);
        var index = ApkIndexReader.Read(bytes, uri.AbsoluteUri, keys);
        var repositoryPath = UpstreamLayout.RepositoryPath(repo, arch);
        foreach (var entry in index.Entries)
        {
            // Validates the name as a plain file name before anything is planned for it.
            UpstreamLayout.RequirePackageFileName(repositoryPath, entry.FileName);
        }

        var previousDirectory = previousPath is null ? null : Path.Combine(previousPath, repositoryPath);
        var previousIndexPath = previousDirectory is null ? null : Path.Combine(previousDirectory, UpstreamLayout.IndexFileName);
        var previousIndexBytes = previousIndexPath is not null && File.Exists(previousIndexPath)
            ? await File.ReadAllBytesAsync(previousIndexPath, cancellationToken)
            : null;
        var indexChanged = previousIndexBytes is null || !bytes.AsSpan().SequenceEqual(previousIndexBytes);
        // The published index is verified again: a root tampered with since must not silently shape the plan. Bytes
        // equal to upstream's, verified just above, read the same: the common nightly no-op reads one index, not two.
        var previousIndex = previousIndexBytes is null ? null
            : indexChanged ? ApkIndexReader.Read(previousIndexBytes, previousIndexPath!, keys)
            : index;

        var diff = IndexDiff.Compare(previousIndex?.Entries ?? [], index.Entries);
        var unchangedButMissing = diff.Unchanged.Where(p => !HasFile(previousDirectory, p)).ToList();
        var plan = new RepositoryPlan
        {
            Repo = repo,
            Arch = arch,
            Index = bytes,
            Packages = index.Entries,
            Added = diff.Added,
            Updated = diff.Updated,
            Removed = diff.Removed,
            Unchanged = diff.Unchanged.Count,
            ToFetch = [.. diff.Added, .. diff.Updated.Select(u => u.To), .. unchangedButMissing],
            IndexChanged = indexChanged,
        };
        return (plan, previousIndex?.Entries ?? []);
    }

    // One statx(2) per package (a FileInfo costs three system calls): a no-op update checks every package.
    private static bool HasFile(string? directory, ApkIndexEntry package) =>
        directory is not null && FileStatus.IsRegularFileOfSize(Path.Combine(directory, package.FileName), package.Size);

    private async Task<(string Arch, byte[] Bytes, LatestReleases Parsed)> FetchLatestReleasesAsync(
        UpstreamLayout layout, string arch, MirrorOptions options, CancellationToken cancellationToken)
    {
        var uri = layout.LatestReleasesUri(arch);
        byte[] bytes;
        try
        {
            bytes = await client.GetBytesAsync(uri, MaxLatestReleasesBytes, cancellationToken);
        }
        catch (UpstreamException exception) when (exception.StatusCode == System.Net.HttpStatusCode.NotFound && options.Version is null)
        {
            throw new ConfigurationException(
                uri.AbsoluteUri, "upstream publishes no latest-releases.yaml here, so the snapshot cannot be named: pass --version");
        }

        var parsed = LatestReleases.Parse(bytes, uri.AbsoluteUri);
        if (options.Version is null && !SnapshotName.IsValid(parsed.Version))
        {
            throw new ConfigurationException(
                uri.AbsoluteUri, $"release version '{parsed.Version}' is not a snapshot name like 3.15.5: pass --version");
        }

        return (arch, bytes, parsed);
    }

    private static ReleasePlan PlanReleases(string arch, byte[] yaml, LatestReleases releases, string? previousPath)
    {
        var previousDirectory = previousPath is null ? null : Path.Combine(previousPath, UpstreamLayout.ReleasesPath(arch));
        var previousYaml = previousDirectory is null ? null : Path.Combine(previousDirectory, UpstreamLayout.LatestReleasesFileName);

        bool Present(string name, long? size) =>
            previousDirectory is not null
            && new FileInfo(Path.Combine(previousDirectory, name)) is { Exists: true } file
            && (size is null || file.Length == size);

        var files = new List<ReleaseFile>();
        foreach (var image in releases.Images)
        {
            UpstreamLayout.ReleaseFilePath(arch, image.File);
            var fetchImage = !Present(image.File, image.Size);
            files.Add(new ReleaseFile(image.File, image.Size, image.Sha256, fetchImage));
            foreach (var suffix in ReleaseImage.CompanionSuffixes)
            {
                // Upstream may publish no .asc (OpenPGP) for an image; beside an image already mirrored, a missing
                // .asc means upstream had none, so it is fetched again only with a new image.
                var name = image.File + suffix;
                var fetch = fetchImage || (suffix != ReleaseFile.SignatureSuffix && !Present(name, null));
                files.Add(new ReleaseFile(name, null, null, fetch));
            }
        }

        return new ReleasePlan
        {
            Arch = arch,
            Version = releases.Version,
            LatestReleases = yaml,
            LatestReleasesChanged = previousYaml is null || !File.Exists(previousYaml)
                || !yaml.AsSpan().SequenceEqual(File.ReadAllBytes(previousYaml)),
            Images = releases.Images,
            Files = files,
            NetbootImage = releases.Images.FirstOrDefault(i => i.Flavor == "alpine-netboot")?.File,
        };
    }

    private static IReadOnlyList<KernelChange> KernelChanges(
        IReadOnlyList<(RepositoryPlan Plan, IReadOnlyList<ApkIndexEntry> Previous)> repositories)
    {
        static Dictionary<(string Arch, string Name), string> BootVersions(IEnumerable<ApkIndexEntry> packages) =>
            packages
                .Where(p => KernelChange.BootPackages.Contains(p.Name))
                .GroupBy(p => (p.Arch, p.Name))
                .ToDictionary(g => g.Key, g => g.Select(p => p.Version).Max(Comparer<string>.Create(ApkVersion.Compare))!);

        var before = BootVersions(repositories.SelectMany(r => r.Previous));
        var after = BootVersions(repositories.SelectMany(r => r.Plan.Packages));
        return before.Keys.Union(after.Keys)
            .OrderBy(k => k.Arch, StringComparer.Ordinal)
            .ThenBy(k => KernelChange.BootPackages.ToList().IndexOf(k.Name))
            .Select(k => new KernelChange(k.Name, k.Arch, before.GetValueOrDefault(k), after.GetValueOrDefault(k)))
            .ToList();
    }
}
