namespace AlpineMirror.Storage;

/// <summary>What statx(2) says about a path: which file it is (device and inode), its type, size, link count, birth and change time.</summary>
/// <param name="Type">The file type bits of the mode (<c>S_IFMT</c>).</param>
internal readonly record struct FileStatus(ulong Device, ulong Inode, long Size, int Type)
{
    public const int TypeMask = 0xF000;
    private const int RegularFileType = 0x8000;

    public bool IsRegularFile => Type == RegularFileType;

    /// <summary>When the file was created, in nanoseconds since the epoch; 0 where the file system does not say.</summary>
    public long BirthTime { get; init; }

    /// <summary>
    /// When the file's data or metadata last changed (ctime), in nanoseconds since the epoch; 0 where the file system
    /// does not say. Unlike the modification time, no caller can set it back.
    /// </summary>
    public long ChangeTime { get; init; }

    /// <summary>How many names the file has (hard links).</summary>
    public uint Links { get; init; }

    /// <summary>True for a regular file (not a symlink, not a folder) of exactly <paramref name="size"/> bytes.</summary>
    /// <remarks>One statx(2); a FileInfo would lstat, readlink and stat (still used where libc has no statx).</remarks>
    public static bool IsRegularFileOfSize(string path, long size) => LibC.StatNoFollow(path, out var status) switch
    {
        0 => status.IsRegularFile && status.Size == size,
        LibC.ENOSYS => new FileInfo(path) is { Exists: true, LinkTarget: null } file && file.Length == size,
        _ => false,
    };

    /// <summary>True when both describe the same file, as two hard links to it do.</summary>
    public bool IsSameFileAs(FileStatus other) => Device == other.Device && Inode == other.Inode;

    /// <summary>
    /// True when this is still the very file <paramref name="recorded"/> described, untouched since: the same device,
    /// inode, size and a known change time that has not moved (any write, truncation, chmod or new link moves it).
    /// </summary>
    public bool IsUnchangedSince(FileStatus recorded) =>
        IsSameFileAs(recorded) && Size == recorded.Size && ChangeTime != 0 && ChangeTime == recorded.ChangeTime;
}
