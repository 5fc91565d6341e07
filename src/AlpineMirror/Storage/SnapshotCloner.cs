namespace AlpineMirror.Storage;

/// <summary>
/// Fills a staging folder from the published snapshot like <c>cp -al</c> (the Snapshot step, DESIGN.md §3):
/// directories new, files shared through hard links, symlinks recreated with the same target text.
/// </summary>
/// <remarks>
/// Sharing inodes is only safe because nothing writes a file in place (<see cref="AtomicFile"/>): a download
/// replaces a staging entry by rename, which leaves the published snapshot's inode untouched.
/// </remarks>
public static class SnapshotCloner
{
    /// <summary>
    /// Clones <paramref name="sourceSnapshot"/> into <paramref name="stagingPath"/>, or creates an empty staging folder
    /// when there is no snapshot yet. An existing staging folder from an interrupted run is completed: entries
    /// already there are left alone. Where hard links are impossible (another file system, EPERM, EMLINK) files are
    /// copied with their modification time, and the result says so.
    /// </summary>
    /// <exception cref="StorageException">The source is missing, the staging folder lies inside it or is a symlink, or an entry could not be cloned.</exception>
    public static Task<CloneResult> CloneAsync(string? sourceSnapshot, string stagingPath, CancellationToken cancellationToken) =>
        CloneAsync(sourceSnapshot, stagingPath, null, cancellationToken);

    /// <summary>
    /// As <see cref="CloneAsync(string?, string, CancellationToken)"/>, cloning only what <paramref name="only"/> lists
    /// and only as what it lists (a file as a file, a folder as a real folder); no symlink is carried over, the steps
    /// after make the ones the tree lists. Null clones everything.
    /// </summary>
    /// <inheritdoc cref="CloneAsync(string?, string, CancellationToken)"/>
    public static Task<CloneResult> CloneAsync(string? sourceSnapshot, string stagingPath, ExpectedTree? only, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stagingPath);
        var staging = Path.TrimEndingDirectorySeparator(Path.GetFullPath(stagingPath));
        if (new DirectoryInfo(staging).LinkTarget is { } target)
        {
            // Followed, it would hard-link the snapshot wherever the link points (DESIGN.md invariant 1).
            throw StorageException.SymlinkedWorkFolder(staging, target);
        }

        if (sourceSnapshot is null)
        {
            Directory.CreateDirectory(staging);
            return Task.FromResult(new CloneResult(0, 0, 0, 0, 0, null));
        }

        var source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(sourceSnapshot));
        if (!Directory.Exists(source))
        {
            throw new StorageException(source, "expected a snapshot folder to clone, found nothing");
        }

        if ((staging + "/").StartsWith(source + "/", StringComparison.Ordinal))
        {
            throw new StorageException(staging, $"the staging folder must not lie inside the snapshot it clones, {source}");
        }

        // The walk is a long run of blocking syscalls; keep it off the caller's thread.
        return Task.Run(() => Clone(source, staging, only, cancellationToken), cancellationToken);
    }

    private static CloneResult Clone(string source, string staging, ExpectedTree? only, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("cloning snapshots with hard links is implemented for Linux only");
        }

        Directory.CreateDirectory(staging);
        int directories = 0, linked = 0, copied = 0, symlinks = 0, present = 0;
        using var walk = new CloneEnumerator(source, staging, only);
        while (walk.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (walk.Current)
            {
                case CloneOutcome.DirectoryCreated: directories++; break;
                case CloneOutcome.FileLinked: linked++; break;
                case CloneOutcome.FileCopied: copied++; break;
                case CloneOutcome.SymlinkCreated: symlinks++; break;
                case CloneOutcome.AlreadyPresent: present++; break;
            }
        }

        return new CloneResult(directories, linked, copied, symlinks, present, walk.CopyFallbackReason);
    }
}
