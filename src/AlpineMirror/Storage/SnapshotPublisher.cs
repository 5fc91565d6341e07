using System.Text.RegularExpressions;
using AlpineMirror.Configuration;

namespace AlpineMirror.Storage;

/// <summary>
/// The Relink step and its undo (DESIGN.md §3): a verified staging folder becomes a published snapshot, and
/// <c>latest-stable</c> and the branch alias switch to it, each by one rename(2) of a relative symlink.
/// </summary>
/// <remarks>Callers hold the <see cref="RunLock"/> and record the switch in the <see cref="RunHistory"/>.</remarks>
public static partial class SnapshotPublisher
{
    /// <summary>
    /// Records the publication (<see cref="SnapshotPublication"/>), renames <paramref name="stagingPath"/> to
    /// <c>[ALPINE]/&lt;name&gt;</c>, switches latest-stable and the alias of <paramref name="branch"/> to it. The in-house
    /// repository beside them belongs to its own feed and is never touched.
    /// </summary>
    /// <param name="indexes">SHA-256 of the signed indexes and release lists the snapshot holds, by path in it.</param>
    /// <param name="branch">The branch option: <c>v3.15</c> names the alias itself, <c>edge</c> is its own alias, and for
    /// <c>latest-stable</c> the alias comes from the snapshot name.</param>
    /// <exception cref="ArgumentException">The name is not a snapshot name.</exception>
    /// <exception cref="ConfigurationException">The branch does not fit the snapshot.</exception>
    /// <exception cref="StorageException">The staging folder is missing, the name is already taken, or a link could not be switched.</exception>
    public static SnapshotSwitch Publish(
        MirrorRoot root, string stagingPath, string name, string branch, IReadOnlyDictionary<string, string> indexes)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentException.ThrowIfNullOrEmpty(stagingPath);
        ArgumentNullException.ThrowIfNull(name);
        if (!SnapshotName.IsValid(name))
        {
            // Names are checked when the run starts (--version, latest-releases.yaml); here it is a caller bug.
            throw new ArgumentException($"expected a snapshot name like 3.15.5, got '{name}'", nameof(name));
        }

        var alias = BranchAlias(branch, name);
        var staging = Path.GetFullPath(stagingPath);
        if (!Directory.Exists(staging) || new DirectoryInfo(staging).LinkTarget is not null)
        {
            throw new StorageException(staging, $"expected the verified staging folder of {name}, found none");
        }

        var snapshot = root.SnapshotPath(name);
        if (Path.Exists(snapshot) || new FileInfo(snapshot).LinkTarget is not null)
        {
            // Published snapshots are immutable (invariant 1); a later update of the release takes a fourth component.
            throw new StorageException(snapshot, "already exists; a published snapshot is never replaced, publish under the next name (e.g. 3.15.5.1)");
        }

        var previous = root.CurrentSnapshot();
        RequireLinksOrNothing(root, alias);
        // Before the rename: a crash right after it leaves a folder this tool can still recognise as its own.
        SnapshotPublication.Record(root, name, staging, indexes);
        try
        {
            // Same file system (staging lives under the root), so this is one rename(2): the snapshot appears whole.
            Directory.Move(staging, snapshot);
        }
        catch (IOException e)
        {
            throw new StorageException(snapshot, $"could not move the staging folder {staging} into place: {e.Message}", e);
        }

        SwitchLinks(root, name, alias);
        return new SnapshotSwitch(previous, name, alias);
    }

    /// <summary>
    /// Switches latest-stable and the branch alias back to <paramref name="to"/>, or when it is null to
    /// <see cref="MirrorRoot.PreviousSnapshot"/>: the newest snapshot older than the current one. Rolling back to the
    /// current snapshot changes nothing.
    /// </summary>
    /// <exception cref="ConfigurationException"><paramref name="to"/> is not a snapshot name, or the branch does not fit it.</exception>
    /// <exception cref="StorageException">Nothing is published, there is nothing older, or <paramref name="to"/> is not published.</exception>
    public static SnapshotSwitch Rollback(MirrorRoot root, string? to, string branch)
    {
        ArgumentNullException.ThrowIfNull(root);
        var current = root.CurrentSnapshot()
            ?? throw new StorageException(root.LatestStableLink, "nothing is published yet, so there is nothing to roll back");
        string target;
        if (to is null)
        {
            target = root.PreviousSnapshot()
                ?? throw new StorageException(root.LatestStableLink, $"{current} is the oldest published snapshot; there is nothing older to roll back to");
        }
        else
        {
            if (!SnapshotName.IsValid(to))
            {
                throw new ConfigurationException("--to", $"expected a snapshot name like 3.15.5, got '{to}'");
            }

            var published = root.PublishedSnapshots();
            if (!published.Contains(to))
            {
                throw new StorageException(root.SnapshotPath(to),
                    $"no published snapshot of that name; published: {(published.Count == 0 ? "none" : string.Join(", ", published))}");
            }

            target = to;
        }

        var alias = BranchAlias(branch, target);
        RequireLinksOrNothing(root, alias);
        SwitchLinks(root, target, alias);
        return new SnapshotSwitch(current, target, alias);
    }

    /// <summary>
    /// Switches latest-stable and the branch alias to <paramref name="name"/>, a snapshot already published whole:
    /// finishes a publication whose run stopped between renaming staging into place and switching the links, or brings
    /// back a branch alias left behind by a run that stopped between the two switches.
    /// </summary>
    /// <exception cref="StorageException"><paramref name="name"/> is not a published snapshot.</exception>
    public static SnapshotSwitch Relink(MirrorRoot root, string name, string branch)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!root.PublishedSnapshots().Contains(name))
        {
            throw new StorageException(root.SnapshotPath(name), "expected a published snapshot to link to, found none");
        }

        var previous = root.CurrentSnapshot();
        var alias = BranchAlias(branch, name);
        RequireLinksOrNothing(root, alias);
        SwitchLinks(root, name, alias);
        return new SnapshotSwitch(previous, name, alias);
    }

    /// <summary>
    /// The links that should point to the current snapshot but do not: the branch alias after a run stopped between
    /// switching latest-stable and switching it, or when it is missing or a real folder. Empty on a root with nothing published.
    /// </summary>
    /// <exception cref="ConfigurationException">The branch does not fit the current snapshot.</exception>
    public static IReadOnlyList<string> StaleLinks(MirrorRoot root, string branch)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.CurrentSnapshot() is not { } current)
        {
            return [];
        }

        var alias = BranchAlias(branch, current);
        return root.SnapshotAt(Path.Combine(root.Path, alias)) == current ? [] : [alias];
    }

    // Both checked before either moves, so a folder in the way never leaves the links half-switched.
    private static void RequireLinksOrNothing(MirrorRoot root, string alias)
    {
        foreach (var link in new[] { root.LatestStableLink, Path.Combine(root.Path, alias) })
        {
            if (new FileInfo(link).LinkTarget is null && Path.Exists(link))
            {
                throw new StorageException(link,
                    $"expected a symlink to a snapshot, found a real {(Directory.Exists(link) ? "directory" : "file")}; it is never replaced or deleted: "
                    + "move it out of the root, then run the update again");
            }
        }
    }

    // latest-stable first: it is what the stations use; the alias only serves upstream-style URLs.
    private static void SwitchLinks(MirrorRoot root, string name, string alias)
    {
        AtomicSymlink.Replace(root.LatestStableLink, name);
        AtomicSymlink.Replace(Path.Combine(root.Path, alias), name);
    }

    private static string BranchAlias(string branch, string snapshot)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var version = SnapshotName.Parse(snapshot);
        var snapshotBranch = $"v{version.Major}.{version.Minor}";
        if (branch is "edge")
        {
            return branch;
        }

        if (branch is MirrorRoot.LatestStableName)
        {
            return snapshotBranch;
        }

        if (!StableBranch().IsMatch(branch))
        {
            throw new ConfigurationException("--branch", $"expected vX.Y, edge or latest-stable, got '{branch}'");
        }

        // v3.16 -> 3.15.9 would send upstream-style URLs to the wrong release.
        return branch == snapshotBranch
            ? branch
            : throw new ConfigurationException("--branch", $"snapshot {snapshot} belongs to {snapshotBranch}, not to {branch}");
    }

    [GeneratedRegex(@"\Av(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex StableBranch();
}
