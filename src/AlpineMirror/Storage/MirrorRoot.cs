namespace AlpineMirror.Storage;

/// <summary>The mirror root [ALPINE]: published snapshots, the latest-stable and v&lt;branch&gt; links, tool state.</summary>
public sealed class MirrorRoot(string path)
{
    public const string LatestStableName = "latest-stable";
    public const string InHouseRepositoryName = "panoptiscan";
    public const string StateDirectoryName = ".alpinemirror";

    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string LatestStableLink => System.IO.Path.Combine(Path, LatestStableName);
    public string StateDirectory => System.IO.Path.Combine(Path, StateDirectoryName);

    public string SnapshotPath(string name) => System.IO.Path.Combine(Path, name);

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

    /// <summary>The snapshot latest-stable points to, or null on a root that has none yet.</summary>
    public string? CurrentSnapshot()
    {
        var link = new FileInfo(LatestStableLink);
        if (link.LinkTarget is not { } target)
        {
            return link.Exists || Directory.Exists(LatestStableLink)
                ? throw new StorageException(LatestStableLink, "expected a symlink to a snapshot folder, found a real file or folder")
                : null;
        }

        var name = System.IO.Path.GetFileName(target.TrimEnd('/'));
        if (!SnapshotName.IsValid(name) || !Directory.Exists(SnapshotPath(name)))
        {
            throw new StorageException(LatestStableLink, $"expected a link to a published snapshot, it points to '{target}'");
        }

        return name;
    }
}
