using System.Text.Json;

namespace AlpineMirror.Storage;

/// <summary>
/// This tool's word that it published <c>[ALPINE]/&lt;name&gt;</c>: <c>.alpinemirror/published/&lt;name&gt;.json</c>, written
/// before the verified staging folder is renamed into place. It names the folder by inode and birth time, which the
/// rename keeps, and the signed indexes and release lists it holds by SHA-256.
/// </summary>
/// <remarks>
/// A folder copied, made or replaced by hand is another inode born at another time, so no record vouches for it: it is
/// never linked on the strength of its indexes and nothing in it is taken on trust. The device number is left out on
/// purpose: LVM and btrfs may number the same file system differently after a reboot, which would disown every
/// snapshot exactly when a power loss needs one recognised. Where the file system records no birth time, the inode
/// alone identifies the folder.
/// </remarks>
/// <param name="Indexes">SHA-256 (lower-case hex) of each signed file, by its path in the snapshot (<c>main/x86_64/APKINDEX.tar.gz</c>).</param>
public sealed record SnapshotPublication(
    string Snapshot, ulong Inode, long BirthTime, IReadOnlyDictionary<string, string> Indexes, DateTimeOffset Time)
{
    private const int DirectoryType = 0x4000;

    /// <summary>Records that <paramref name="folder"/> (staging, about to be renamed into place) is published as <paramref name="name"/>.</summary>
    /// <exception cref="StorageException">The folder cannot be examined, or the record cannot be written.</exception>
    public static SnapshotPublication Record(MirrorRoot root, string name, string folder, IReadOnlyDictionary<string, string> indexes)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(indexes);
        var status = Identify(folder)
            ?? throw new StorageException(folder, "expected a real folder to publish, found none");
        var publication = new SnapshotPublication(name, status.Inode, status.BirthTime, indexes, DateTimeOffset.UtcNow);
        Directory.CreateDirectory(root.PublicationsDirectory);
        AtomicFile.WriteAllBytes(root.PublicationFile(name), JsonSerializer.SerializeToUtf8Bytes(publication, StateRecordJsonContext.Default.SnapshotPublication));
        return publication;
    }

    /// <summary>
    /// The record of <paramref name="name"/> when it vouches for the folder <c>[ALPINE]/&lt;name&gt;</c> as it is now;
    /// null when there is no readable record or the folder is not the one recorded.
    /// </summary>
    public static SnapshotPublication? Find(MirrorRoot root, string name)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!SnapshotName.IsValid(name) || Identify(root.SnapshotPath(name)) is not { } folder)
        {
            return null;
        }

        SnapshotPublication? publication;
        try
        {
            publication = JsonSerializer.Deserialize(File.ReadAllBytes(root.PublicationFile(name)), StateRecordJsonContext.Default.SnapshotPublication);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // Missing or damaged: it proves nothing, so the folder is not trusted.
            return null;
        }

        return publication is not null && publication.Snapshot == name
            && publication.Inode == folder.Inode && publication.BirthTime == folder.BirthTime
                ? publication
                : null;
    }

    /// <summary>Removes the record of <paramref name="name"/>, before its folder is deleted.</summary>
    public static void Forget(MirrorRoot root, string name)
    {
        ArgumentNullException.ThrowIfNull(root);
        var file = root.PublicationFile(name);
        if (File.Exists(file))
        {
            File.Delete(file);
        }
    }

    private static FileStatus? Identify(string folder) =>
        LibC.StatNoFollow(folder, out var status) == 0 && status.Type == DirectoryType ? status : null;
}
