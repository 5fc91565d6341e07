namespace AlpineMirror.Storage;

/// <summary>The mirror root [ALPINE]: published snapshots, the latest-stable and v&lt;branch&gt; links, tool state.</summary>
public sealed class MirrorRoot(string path)
{
    public const string LatestStableName = "latest-stable";
    public const string InHouseRepositoryName = "panoptiscan";
    public const string StateDirectoryName = ".alpinemirror";
    private const string TrashPrefix = "trash-";

    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string LatestStableLink => System.IO.Path.Combine(Path, LatestStableName);
    public string StateDirectory => System.IO.Path.Combine(Path, StateDirectoryName);
    public string InHouseRepository => System.IO.Path.Combine(Path, InHouseRepositoryName);

    /// <summary>The run lock (DESIGN.md §4.4), see <see cref="RunLock"/>.</summary>
    public string LockFile => System.IO.Path.Combine(StateDirectory, "lock");

    /// <summary>The lock of one feed other than Alpine's (<c>inhouse</c>, <c>clamav</c>): <c>.alpinemirror/&lt;feed&gt;.lock</c>.</summary>
    public string FeedLockFile(string feed)
    {
        ArgumentException.ThrowIfNullOrEmpty(feed);
        if (!feed.All(char.IsAsciiLetterLower))
        {
            throw new ArgumentException($"a feed name is lower-case ASCII letters, got '{feed}'", nameof(feed));
        }

        return System.IO.Path.Combine(StateDirectory, feed + ".lock");
    }

    /// <summary>One JSON line per published or rolled back snapshot, see <see cref="RunHistory"/>.</summary>
    public string HistoryFile => System.IO.Path.Combine(StateDirectory, "history.jsonl");

    /// <summary>Where each snapshot's <see cref="SnapshotPublication"/> record is kept.</summary>
    public string PublicationsDirectory => System.IO.Path.Combine(StateDirectory, "published");

    /// <summary>The <see cref="SnapshotPublication"/> record of the snapshot <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a snapshot name, so it could point anywhere.</exception>
    public string PublicationFile(string name) =>
        SnapshotName.IsValid(name)
            ? System.IO.Path.Combine(PublicationsDirectory, name + ".json")
            : throw new ArgumentException($"expected a snapshot name like 3.15.5, got '{name}'", nameof(name));

    /// <summary>Which snapshot the boot infrastructure was last brought to, see <see cref="DeployState"/>.</summary>
    public string DeployStateFile => System.IO.Path.Combine(StateDirectory, "deployed.json");

    /// <summary>Where every run leaves its JSON report and Markdown summary.</summary>
    public string ReportsDirectory => System.IO.Path.Combine(StateDirectory, "reports");

    /// <summary>Where snapshots are built before they are published (work in progress, invariant 1).</summary>
    public string StagingDirectory => System.IO.Path.Combine(StateDirectory, "staging");

    public string SnapshotPath(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The staging folder of the snapshot <paramref name="name"/>: <c>.alpinemirror/staging/&lt;name&gt;</c>.</summary>
    /// <exception cref="ArgumentException">The name is not a snapshot name, so it could point anywhere.</exception>
    /// <exception cref="StorageException">A folder on the way (<c>.alpinemirror</c>, <c>staging</c>, the staging folder itself) is a symlink.</exception>
    public string StagingPath(string name)
    {
        if (!SnapshotName.IsValid(name))
        {
            throw new ArgumentException($"expected a snapshot name like 3.15.5, got '{name}'", nameof(name));
        }

        // Staging lives inside the root, on its file system: hard links to snapshots and the publishing rename need it there.
        var staging = System.IO.Path.Combine(StagingDirectory, name);
        foreach (var folder in (string[])[StateDirectory, StagingDirectory, staging])
        {
            if (new DirectoryInfo(folder).LinkTarget is { } target)
            {
                throw StorageException.SymlinkedWorkFolder(folder, target);
            }
        }

        return staging;
    }

    /// <summary>The staging folder an interrupted run left for <paramref name="name"/>, to resume; null when there is none.</summary>
    public string? FindStaging(string name)
    {
        var staging = StagingPath(name);
        return Directory.Exists(staging) ? staging : null;
    }

    /// <summary>Names of all staging folders (snapshots in progress or abandoned), oldest first.</summary>
    public IReadOnlyList<string> StagingSnapshots() =>
        Directory.Exists(StagingDirectory)
            ? new DirectoryInfo(StagingDirectory).EnumerateDirectories()
                .Where(d => d.LinkTarget is null && SnapshotName.IsValid(d.Name))
                .Select(d => d.Name)
                .Order(SnapshotName.Comparer)
                .ToList()
            : [];

    /// <summary>Where a snapshot being deleted is moved first, so that a half-deleted tree never looks like a snapshot.</summary>
    public string TrashPath(string name) => System.IO.Path.Combine(StateDirectory, TrashPrefix + name);

    /// <summary>Trash folders an interrupted deletion left behind.</summary>
    public IReadOnlyList<string> TrashFolders() =>
        Directory.Exists(StateDirectory)
            ? new DirectoryInfo(StateDirectory).EnumerateDirectories(TrashPrefix + "*")
                .Where(d => d.LinkTarget is null)
                .Select(d => d.FullName)
                .ToList()
            : [];

    /// <summary>
    /// The rollback target: the newest published snapshot older than the current one, or null when the current
    /// one is the oldest or nothing is published.
    /// </summary>
    /// <remarks>
    /// Release order rather than the history: it needs no state file to be right, and a second rollback keeps
    /// stepping back instead of flipping between two snapshots.
    /// </remarks>
    public string? PreviousSnapshot()
    {
        if (CurrentSnapshot() is not { } current)
        {
            return null;
        }

        return PublishedSnapshots().LastOrDefault(name => SnapshotName.Comparer.Compare(name, current) < 0);
    }

    /// <summary>
    /// Published snapshots that a symlink in the root resolves to, or into (latest-stable, v3.15, edge, a link to
    /// <c>3.15.5/main</c>, ...), however the link is spelled.
    /// </summary>
    public IReadOnlySet<string> LinkedSnapshots()
    {
        var linked = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(Path))
        {
            return linked;
        }

        var snapshots = SnapshotsByIdentity();
        foreach (var entry in new DirectoryInfo(Path).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null && SnapshotHolding(entry.FullName, snapshots) is { } name)
            {
                linked.Add(name);
            }
        }

        return linked;
    }

    /// <summary>
    /// The published snapshot that <paramref name="linkPath"/> resolves to, every symlink followed, or null when it
    /// resolves to nothing or to anything else.
    /// </summary>
    /// <remarks>
    /// Compared by device and inode, as the kernel resolves the link for nginx: a relative or absolute target, a root
    /// reached through a symlink or a bind mount all name the folder they really reach, never one with the same name.
    /// </remarks>
    public string? SnapshotAt(string linkPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(linkPath);
        return LibC.StatFollow(linkPath, out var target) == 0
            && SnapshotsByIdentity().TryGetValue((target.Device, target.Inode), out var name)
                ? name
                : null;
    }

    /// <summary>Published snapshot folders (real directories with release-number names), oldest first.</summary>
    public IReadOnlyList<string> PublishedSnapshots()
    {
        if (!Directory.Exists(Path))
        {
            return [];
        }

        return new DirectoryInfo(Path).EnumerateDirectories()
            .Where(d => d.LinkTarget is null && SnapshotName.IsValid(d.Name))
            .Select(d => d.Name)
            .Order(SnapshotName.Comparer)
            .ToList();
    }

    /// <summary>
    /// Folders in the root named almost like a snapshot (starting with a digit, e.g. <c>3.15.4.bak</c>, or a
    /// non-ASCII digit) that every listing ignores, as printable text for a warning.
    /// </summary>
    public IReadOnlyList<string> StrayFolders() =>
        Directory.Exists(Path)
            ? new DirectoryInfo(Path).EnumerateDirectories()
                .Where(d => d.Name.Length > 0 && char.IsDigit(d.Name[0]) && !SnapshotName.IsValid(d.Name))
                .Select(d => Upstream.UpstreamLayout.Printable(d.Name))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>The snapshot latest-stable points to, or null on a root that has none yet.</summary>
    /// <exception cref="StorageException">latest-stable is a real file or folder, or resolves to no published snapshot.</exception>
    public string? CurrentSnapshot()
    {
        var link = new FileInfo(LatestStableLink);
        if (link.LinkTarget is not { } target)
        {
            return link.Exists || Directory.Exists(LatestStableLink)
                ? throw new StorageException(LatestStableLink, "expected a symlink to a snapshot folder, found a real file or folder")
                : null;
        }

        return SnapshotAt(LatestStableLink)
            ?? throw new StorageException(LatestStableLink, $"expected a link to a published snapshot, it points to '{target}'");
    }

    private Dictionary<(ulong Device, ulong Inode), string> SnapshotsByIdentity()
    {
        var snapshots = new Dictionary<(ulong, ulong), string>();
        foreach (var name in PublishedSnapshots())
        {
            if (LibC.StatNoFollow(SnapshotPath(name), out var folder) == 0)
            {
                snapshots[(folder.Device, folder.Inode)] = name;
            }
        }

        return snapshots;
    }

    /// <summary>The snapshot whose folder <paramref name="path"/> resolves to or lies in, or null.</summary>
    private static string? SnapshotHolding(string path, Dictionary<(ulong Device, ulong Inode), string> snapshots)
    {
        for (var folder = LibC.RealPath(path); folder is not null; folder = System.IO.Path.GetDirectoryName(folder))
        {
            if (LibC.StatNoFollow(folder, out var status) == 0 && snapshots.TryGetValue((status.Device, status.Inode), out var name))
            {
                return name;
            }
        }

        return null;
    }
}
