using System.IO.Enumeration;
using System.Runtime.Versioning;
using System.Text;

namespace AlpineMirror.Storage;

/// <summary>What cloning one source entry did.</summary>
internal enum CloneOutcome
{
    DirectoryCreated,
    FileLinked,
    FileCopied,
    SymlinkCreated,
    AlreadyPresent,
}

/// <summary>
/// Walks a snapshot and clones each entry into the staging folder as it is visited, like <c>cp -al</c>.
/// </summary>
/// <remarks>
/// The work happens inside <see cref="TransformEntry"/>, the only place the entry's name is available as a span:
/// paths are encoded straight into two reused UTF-8 buffers for link(2), so a file costs no managed allocation.
/// The enumerator yields a directory before anything inside it, so parents are always created first.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class CloneEnumerator : FileSystemEnumerator<CloneOutcome>
{
    private static readonly EnumerationOptions WalkEverything = new()
    {
        RecurseSubdirectories = true,
        // Skipping nothing also means no attribute is read to decide, which would cost a stat per file.
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    private readonly string _staging;
    private readonly ExpectedTree? _only;
    private byte[] _sourceBuffer = new byte[4096];
    private byte[] _targetBuffer = new byte[4096];

    /// <param name="only">What to clone; null clones everything.</param>
    public CloneEnumerator(string source, string staging, ExpectedTree? only)
        : base(source, WalkEverything)
    {
        _staging = staging;
        _only = only;
    }

    /// <summary>The first reason a file was copied rather than linked, or null.</summary>
    public string? CopyFallbackReason { get; private set; }

    // Symlinks to directories report IsDirectory; following them would clone their target's contents twice.
    protected override bool ShouldRecurseIntoEntry(ref FileSystemEntry entry) => !IsSymlink(ref entry) && Selected(ref entry);

    protected override bool ShouldIncludeEntry(ref FileSystemEntry entry) => Selected(ref entry);

    // Only what the tree lists, and only as what it lists: a symlink standing where a file or folder is listed stays
    // behind, and so does a listed symlink (Mirror makes those).
    private bool Selected(ref FileSystemEntry entry)
    {
        if (_only is null)
        {
            return true;
        }

        var folder = entry.Directory[entry.RootDirectory.Length..].TrimStart('/');
        return _only.Find(folder, entry.FileName) switch
        {
            ExpectedEntry.File => !entry.IsDirectory && !IsSymlink(ref entry),
            ExpectedEntry.Folder or ExpectedEntry.Subtree => entry.IsDirectory && !IsSymlink(ref entry),
            ExpectedEntry.InsideSubtree => !IsSymlink(ref entry),
            _ => false,
        };
    }

    protected override CloneOutcome TransformEntry(ref FileSystemEntry entry)
    {
        var relativeDirectory = entry.Directory[entry.RootDirectory.Length..];
        var source = Join(ref _sourceBuffer, entry.Directory, [], entry.FileName);
        var target = Join(ref _targetBuffer, _staging, relativeDirectory, entry.FileName);
        if (IsSymlink(ref entry))
        {
            return CloneSymlink(ref entry, relativeDirectory);
        }

        if (entry.IsDirectory)
        {
            return CreateDirectory(ref entry, target);
        }

        var errno = LibC.Link(source, target);
        return errno switch
        {
            0 => CloneOutcome.FileLinked,
            LibC.EEXIST => CloneOutcome.AlreadyPresent,
            // Another file system, a file system without hard links, or the link count limit: a copy still works.
            LibC.EXDEV or LibC.EPERM or LibC.EMLINK => CopyInstead(ref entry, relativeDirectory, errno),
            _ => throw new StorageException(
                TargetPath(ref entry, relativeDirectory), $"could not hard-link {entry.ToFullPath()}: {LibC.Describe(errno)}"),
        };
    }

    // readdir's d_type already knows, but the public API only exposes it through Attributes, which costs an lstat
    // for a regular file. cp -al stats every file too: measured, the walk stays within 10 % of its CPU time.
    private static bool IsSymlink(ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;

    private CloneOutcome CreateDirectory(ref FileSystemEntry entry, ReadOnlySpan<byte> target)
    {
        var mode = File.GetUnixFileMode(entry.ToFullPath());
        var errno = LibC.Mkdir(target, mode);
        return errno switch
        {
            0 => CloneOutcome.DirectoryCreated,
            LibC.EEXIST => CloneOutcome.AlreadyPresent,
            _ => throw new StorageException(
                TargetPath(ref entry, entry.Directory[entry.RootDirectory.Length..]), $"could not create the directory: {LibC.Describe(errno)}"),
        };
    }

    private CloneOutcome CloneSymlink(ref FileSystemEntry entry, ReadOnlySpan<char> relativeDirectory)
    {
        var source = entry.ToFullPath();
        var target = TargetPath(ref entry, relativeDirectory);
        var linkTarget = new FileInfo(source).LinkTarget
            ?? throw new StorageException(source, "expected a symlink, it changed while the snapshot was cloned");
        if (Path.Exists(target) || new FileInfo(target).LinkTarget is not null)
        {
            return CloneOutcome.AlreadyPresent;
        }

        try
        {
            File.CreateSymbolicLink(target, linkTarget);
            return CloneOutcome.SymlinkCreated;
        }
        catch (IOException e)
        {
            throw new StorageException(target, $"could not create a symlink to '{linkTarget}': {e.Message}", e);
        }
    }

    private CloneOutcome CopyInstead(ref FileSystemEntry entry, ReadOnlySpan<char> relativeDirectory, int linkErrno)
    {
        var source = entry.ToFullPath();
        var target = TargetPath(ref entry, relativeDirectory);
        CopyFallbackReason ??= $"hard-linking {source} to {target} failed: {LibC.Describe(linkErrno)}";

        // Through a temporary, so that an interrupted copy is never mistaken for a complete file on resume.
        var temporary = AtomicFile.TemporaryPathFor(target);
        try
        {
            File.Copy(source, temporary);
            // Mirrors and HTTP caches compare modification times; a copy must look like the file it stands for.
            File.SetLastWriteTimeUtc(temporary, File.GetLastWriteTimeUtc(source));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new StorageException(target, $"could not copy {source} after hard-linking failed: {e.Message}", e);
        }

        AtomicFile.Commit(temporary, target);
        return CloneOutcome.FileCopied;
    }

    private string TargetPath(ref FileSystemEntry entry, ReadOnlySpan<char> relativeDirectory) =>
        string.Concat(_staging, relativeDirectory, "/", entry.FileName);

    // first + second + '/' + name + NUL, as UTF-8, in a buffer grown only for unusually long paths.
    private static ReadOnlySpan<byte> Join(ref byte[] buffer, ReadOnlySpan<char> first, ReadOnlySpan<char> second, ReadOnlySpan<char> name)
    {
        var maximum = Encoding.UTF8.GetMaxByteCount(first.Length + second.Length + name.Length + 2);
        if (buffer.Length < maximum)
        {
            buffer = new byte[maximum];
        }

        var length = Encoding.UTF8.GetBytes(first, buffer);
        length += Encoding.UTF8.GetBytes(second, buffer.AsSpan(length));
        buffer[length++] = (byte)'/';
        length += Encoding.UTF8.GetBytes(name, buffer.AsSpan(length));
        buffer[length++] = 0;
        return buffer.AsSpan(0, length);
    }
}
