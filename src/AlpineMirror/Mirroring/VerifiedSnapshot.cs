using AlpineMirror.Storage;

namespace AlpineMirror.Mirroring;

/// <summary>
/// A published snapshot that AlpineMirror verified before it published it: its <see cref="SnapshotPublication"/> record
/// vouches for the very folder.
/// </summary>
/// <remarks>
/// A snapshot made by hand (the old <c>cp -r</c> + <c>wget --mirror</c> procedure), or replaced by hand since it was
/// published, was never verified by us, so nothing staged from it is taken on trust. The run history is no proof: it
/// names a snapshot, not the folder that now bears the name.
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
    /// The snapshot <paramref name="name"/> of <paramref name="root"/> (usually the plan's previous snapshot) when this
    /// tool published that very folder; null when the name is null, the folder is gone or not a real folder, or no
    /// publication record matches it.
    /// </summary>
    public static VerifiedSnapshot? Find(MirrorRoot root, string? name)
    {
        ArgumentNullException.ThrowIfNull(root);
        return name is not null && SnapshotPublication.Find(root, name) is not null
            ? new VerifiedSnapshot(name, root.SnapshotPath(name))
            : null;
    }
}
