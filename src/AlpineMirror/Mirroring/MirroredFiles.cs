using System.Collections.Concurrent;
using AlpineMirror.Storage;

namespace AlpineMirror.Mirroring;

/// <summary>
/// The packages and images this run's Mirror step downloaded and verified while they streamed, each with the plan entry
/// it was checked against and what statx(2) said of it right after its rename into place. Verify takes such a file on
/// trust only while it is still that very file: the same path, device, inode, size and change time, and the same entry.
/// </summary>
/// <remarks>
/// In memory only, handed from Mirror to Verify within one process: a Verify run on its own has no record and hashes
/// everything. As with <see cref="UnchangedFiles"/>, only the file's identity is read, never its content.
/// </remarks>
public sealed class MirroredFiles
{
    private readonly ConcurrentDictionary<string, (object Entry, FileStatus Status)> _files = new(StringComparer.Ordinal);

    /// <summary>Nothing recorded: every file is hashed.</summary>
    public static MirroredFiles None { get; } = new();

    /// <summary>Files recorded.</summary>
    public int Count => _files.Count;

    /// <summary>Records <paramref name="path"/>, verified against <paramref name="entry"/>, as <paramref name="status"/> describes it.</summary>
    internal void Add(object entry, string path, FileStatus status)
    {
        if (ReferenceEquals(this, None))
        {
            throw new InvalidOperationException("the empty record is shared and stays empty");
        }

        _files[path] = (entry, status);
    }

    /// <summary>
    /// True when <paramref name="path"/> was verified against <paramref name="entry"/> (the plan's own object) in this run
    /// and is still a regular file of <paramref name="size"/> bytes, untouched since (see <see cref="FileStatus.IsUnchangedSince"/>).
    /// </summary>
    internal bool Holds(object entry, string path, long size) =>
        _files.TryGetValue(path, out var recorded)
        && ReferenceEquals(recorded.Entry, entry)
        && LibC.StatNoFollow(path, out var now) == 0
        && now.IsRegularFile
        && now.Size == size
        && now.IsUnchangedSince(recorded.Status);
}
