using AlpineMirror.Apk;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>
/// The staged packages and release images that <see cref="VerifyMode.Changed"/> does not hash: each still the very file
/// (same device and inode) that a <see cref="VerifiedSnapshot"/> holds under the same name, and listed unchanged since
/// (the same <c>C:</c> in both indexes; the same size and sha256 in both latest-releases.yaml).
/// </summary>
/// <remarks>
/// Sound because a published snapshot is never written in place (invariant 3): a shared inode still holds the bytes
/// that were checked against that same entry before the snapshot was published. It is also the trade-off: bytes changed
/// in place behind our back, against invariant 3, go unnoticed until a <see cref="VerifyMode.Full"/> run.
/// </remarks>
internal sealed class UnchangedFiles
{
    private static readonly EnumerationOptions IncludeHidden = new() { AttributesToSkip = 0 };

    private readonly string? _previous;

    // The plan's own entries, by reference: no path is built for a package until it is asked about.
    private readonly HashSet<ApkIndexEntry> _packages;
    private readonly HashSet<ReleaseImage> _images;

    private UnchangedFiles(string? previous, HashSet<ApkIndexEntry> packages, HashSet<ReleaseImage> images)
    {
        _previous = previous;
        _packages = packages;
        _images = images;
    }

    /// <summary>Nothing is taken on trust: every file is hashed.</summary>
    public static UnchangedFiles None { get; } = new(null, [], []);

    /// <summary>The mode in effect: <see cref="VerifyMode.Full"/> when nothing can be taken on trust.</summary>
    public VerifyMode Mode => _previous is null ? VerifyMode.Full : VerifyMode.Changed;

    /// <summary>What <paramref name="plan"/> lists unchanged since <paramref name="previous"/>, or <see cref="None"/> in <see cref="VerifyMode.Full"/>.</summary>
    /// <remarks>
    /// The plan compared upstream with its own previous snapshot: any other snapshot, or none, trusts nothing.
    /// </remarks>
    public static UnchangedFiles Of(MirrorPlan plan, VerifiedSnapshot? previous, VerifyMode mode)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (mode == VerifyMode.Full || previous is null || plan.PreviousSnapshot != previous.Name)
        {
            return None;
        }

        var packages = new HashSet<ApkIndexEntry>(ReferenceEqualityComparer.Instance);
        foreach (var repository in plan.Repositories)
        {
            // Every package of the new index is added, updated or unchanged (IndexDiff); those to fetch are left out too.
            var changed = repository.Added.Select(p => p.FileName)
                .Concat(repository.Updated.Select(u => u.To.FileName))
                .Concat(repository.ToFetch.Select(p => p.FileName))
                .ToHashSet(StringComparer.Ordinal);
            packages.UnionWith(repository.Packages.Where(p => !changed.Contains(p.FileName)));
        }

        var images = new HashSet<ReleaseImage>(ReferenceEqualityComparer.Instance);
        foreach (var release in plan.Releases)
        {
            var before = PreviousImages(previous.Path, release);
            foreach (var image in Unique(release.Images).Values)
            {
                if (before.TryGetValue(image.File, out var old) && old.Size == image.Size
                    && string.Equals(old.Sha256, image.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    images.Add(image);
                }
            }
        }

        return new UnchangedFiles(previous.Path, packages, images);
    }

    /// <summary>
    /// True when <paramref name="package"/> (an entry of the plan) is listed unchanged and the staged file at
    /// <paramref name="relative"/> is a regular file of its size that is the very file the previous snapshot holds
    /// under that name. Reads no content.
    /// </summary>
    public bool Holds(ApkIndexEntry package, string staging, string relative) =>
        _packages.Contains(package) && SameFile(staging, relative, package.Size);

    /// <summary>As for a package: <paramref name="image"/> (of the plan) listed with the same size and sha256 before and after.</summary>
    public bool Holds(ReleaseImage image, string staging, string relative) =>
        _images.Contains(image) && SameFile(staging, relative, image.Size);

    /// <summary>
    /// True when the staged folder matches the previous snapshot's folder of the same name entry for entry, every file
    /// the very same file. Asked only for a netboot folder whose tarball
    /// <see cref="Holds(ReleaseImage, string, string)">holds</see>: the previous snapshot's folder was compared with that
    /// same tarball before it was published.
    /// </summary>
    public bool HoldsTree(string staging, string relativeFolder) =>
        _previous is not null && SameTree(Path.Combine(staging, relativeFolder), Path.Combine(_previous, relativeFolder));

    private static bool SameTree(string staged, string published)
    {
        var stagedFolder = new DirectoryInfo(staged);
        var publishedFolder = new DirectoryInfo(published);
        if (stagedFolder is not { Exists: true, LinkTarget: null } || publishedFolder is not { Exists: true, LinkTarget: null })
        {
            return false;
        }

        var publishedNames = publishedFolder.EnumerateFileSystemInfos("*", IncludeHidden).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var count = 0;
        foreach (var entry in stagedFolder.EnumerateFileSystemInfos("*", IncludeHidden))
        {
            count++;
            var other = Path.Combine(published, entry.Name);
            if (!publishedNames.Contains(entry.Name) || entry.LinkTarget is not null)
            {
                return false;
            }

            if (entry is DirectoryInfo ? !SameTree(entry.FullName, other) : !SameFile(entry.FullName, other))
            {
                return false;
            }
        }

        return count == publishedNames.Count;
    }

    private bool SameFile(string staging, string relative, long size) =>
        _previous is not null
        && LibC.StatNoFollow(Path.Combine(staging, relative), out var staged) == 0
        && staged.IsRegularFile
        && staged.Size == size
        && LibC.StatNoFollow(Path.Combine(_previous, relative), out var published) == 0
        && staged.IsSameFileAs(published);

    private static bool SameFile(string staged, string published) =>
        LibC.StatNoFollow(staged, out var a) == 0 && a.IsRegularFile
        && LibC.StatNoFollow(published, out var b) == 0 && a.IsSameFileAs(b);

    // The previous snapshot's images by file name: the plan's own when latest-releases.yaml did not change.
    private static Dictionary<string, ReleaseImage> PreviousImages(string previous, ReleasePlan release)
    {
        if (!release.LatestReleasesChanged)
        {
            return Unique(release.Images);
        }

        var path = Path.Combine(previous, UpstreamLayout.LatestReleasesPath(release.Arch));
        try
        {
            return Unique(LatestReleases.Parse(File.ReadAllBytes(path), path).Images);
        }
        catch (Exception e) when (e is ReleaseFormatException or IOException)
        {
            // No previous list to compare with: every image is hashed.
            return [];
        }
    }

    // Images by file name, leaving out a name listed twice: which of its entries a file was checked against is unknown.
    private static Dictionary<string, ReleaseImage> Unique(IEnumerable<ReleaseImage> images) =>
        images.GroupBy(i => i.File, StringComparer.Ordinal)
            .Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single(), StringComparer.Ordinal);
}
