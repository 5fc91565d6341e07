using AlpineMirror.Storage;

namespace AlpineMirror.Mirroring;

/// <summary>A published snapshot that AlpineMirror verified before it published it: an Update in the run history names it.</summary>
/// <remarks>
/// A snapshot made by hand (the old <c>cp -r</c> + <c>wget --mirror</c> procedure) or only rolled back to was never
/// verified by us, so nothing staged from it is taken on trust.
/// </remarks>
public sealed class VerifiedSnapshot
{
    private VerifiedSnapshot(string name, string path)
    {
        Name = name;
        Path = path;
    }

    public string Name { get; }

    /// <summary>The published folder, <c>[ALPINE]/&lt;name&gt;</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// The snapshot <paramref name="name"/> of <paramref name="root"/> (usually the plan's previous snapshot) when an
    /// Update published it; null when the name is null, the folder is gone or not a real folder, the history does not
    /// record its publication, or the history cannot be read.
    /// </summary>
    public static VerifiedSnapshot? Find(MirrorRoot root, string? name)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (name is null || !SnapshotName.IsValid(name))
        {
            return null;
        }

        var path = root.SnapshotPath(name);
        if (new DirectoryInfo(path) is not { Exists: true, LinkTarget: null })
        {
            return null;
        }

        IReadOnlyList<RunRecord> history;
        try
        {
            history = new RunHistory(root).ReadAll();
        }
        catch (StorageException)
        {
            // A history that cannot be read proves nothing: everything is hashed.
            return null;
        }

        return history.Any(run => run.Action == RunAction.Update && run.Snapshot == name) ? new VerifiedSnapshot(name, path) : null;
    }
}
