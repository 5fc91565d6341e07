using System.Text.RegularExpressions;

namespace AlpineMirror.Storage;

/// <summary>
/// Writes files without ever writing one in place (DESIGN.md §4.3): a uniquely named temporary in the target's
/// directory, flushed to disk, then renamed over the target; the temporary is removed on failure.
/// </summary>
/// <remarks>
/// In place writes would be wrong twice over here: snapshots share inodes through hard links, so writing into a
/// staging file would change the published snapshot too, and a reader could see half a file.
/// </remarks>
public static partial class AtomicFile
{
    private const string TemporarySuffix = ".partial";

    private const UnixFileMode ReadableByAll =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// A new temporary path for <paramref name="targetPath"/>: same directory, named
    /// <c>.&lt;target name&gt;.&lt;8 random hex digits&gt;.partial</c>, so two writers of one target never share it.
    /// </summary>
    public static string TemporaryPathFor(string targetPath)
    {
        var (directory, name) = SplitTarget(targetPath);
        // Unique enough among a run's own writers (O_EXCL and CreateNew refuse a clash); not a secret, so no
        // cryptographic generator, whose fork check costs a getpid(2) per file.
        return Path.Combine(directory, $".{name}.{Random.Shared.Next():x8}{TemporarySuffix}");
    }

    /// <summary>Whether <paramref name="fileName"/> (a name or a path) is a temporary made by <see cref="TemporaryPathFor"/>.</summary>
    /// <remarks>Temporaries start with a dot: enumerations that look for them need <c>AttributesToSkip = 0</c>,
    /// as the default <see cref="EnumerationOptions"/> skip hidden files.</remarks>
    public static bool IsTemporary(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return TemporaryPattern().IsMatch(Path.GetFileName(fileName));
    }

    /// <summary>
    /// Temporaries of <paramref name="targetPath"/> left in its directory, e.g. by an interrupted run whose download
    /// can be resumed; full paths, in no particular order.
    /// </summary>
    public static IReadOnlyList<string> FindTemporariesFor(string targetPath)
    {
        var (directory, name) = SplitTarget(targetPath);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        // The wildcard alone would also match temporaries of "<name>.x"; the pattern pins the random part.
        return Directory.EnumerateFiles(directory, $".{name}.*{TemporarySuffix}", new EnumerationOptions { AttributesToSkip = 0 })
            .Where(path => TemporaryPattern().Match(Path.GetFileName(path)) is { Success: true } match
                           && match.Groups["target"].Value == name)
            .ToList();
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="bytes"/>, atomically, creating it with <paramref name="mode"/>
    /// (0644 unless said otherwise; a private key wants 0600).
    /// </summary>
    /// <exception cref="StorageException">The temporary could not be flushed or renamed over the target.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, UnixFileMode? mode = null)
    {
        var target = Path.GetFullPath(path);
        var temporary = TemporaryPathFor(target);
        try
        {
            using var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead),
            });
            stream.Write(bytes);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }

        Commit(temporary, target);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>, atomically.</summary>
    /// <exception cref="StorageException">The temporary could not be created, flushed or renamed over the target.</exception>
    public static Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        WriteAsync(path, (stream, token) => stream.WriteAsync(bytes, token), cancellationToken);

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> streams into the temporary, atomically.
    /// Exceptions thrown by <paramref name="write"/> pass through unchanged; the target is then left as it was.
    /// </summary>
    /// <exception cref="StorageException">The temporary could not be created, flushed or renamed over the target.</exception>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        cancellationToken.ThrowIfCancellationRequested();
        var target = Path.GetFullPath(path);
        var (temporary, stream) = CreateTemporary(target);
        var committed = false;
        try
        {
            await using (stream)
            {
                await write(stream, cancellationToken);
                await FlushAsync(stream, target, cancellationToken);
            }

            // A cancelled run must not publish a file it was told to abandon, even a complete one.
            cancellationToken.ThrowIfCancellationRequested();
            Rename(temporary, target);
            committed = true;
        }
        finally
        {
            if (!committed)
            {
                DeleteQuietly(temporary);
            }
        }
    }

    /// <summary>
    /// For callers that stream into a <see cref="TemporaryPathFor"/> path themselves and have closed it: flushes it to
    /// disk (cheap when the writer already did), then renames it over <paramref name="targetPath"/>. On failure the
    /// temporary is deleted.
    /// </summary>
    /// <exception cref="ArgumentException">The temporary is not a temporary name in the target's own directory.</exception>
    /// <exception cref="StorageException">The temporary is missing or still open, or the rename failed.</exception>
    public static void Commit(string temporaryPath, string targetPath)
    {
        var (temporary, target) = RequireTemporaryBeside(temporaryPath, targetPath);
        var committed = false;
        try
        {
            try
            {
                // FileShare.None takes an exclusive flock, so a writer that still holds the file open is caught here.
                using var handle = File.OpenHandle(temporary, FileMode.Open, FileAccess.Read, FileShare.None);
                RandomAccess.FlushToDisk(handle);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageException(target, $"could not flush {Path.GetFileName(temporary)} before renaming it over the target: {e.Message}", e);
            }

            Rename(temporary, target);
            committed = true;
        }
        finally
        {
            if (!committed)
            {
                DeleteQuietly(temporary);
            }
        }
    }

    /// <summary>
    /// Like <see cref="Commit"/> but without an fsync of its own, for a temporary inside a staging folder, whose whole
    /// file system is synced once before it is published (<see cref="SnapshotPublisher.Publish"/>): a crash before
    /// that leaves staging unpublished, and the next run hashes what it finds there again. The caller has closed it.
    /// </summary>
    /// <inheritdoc cref="Commit" path="/exception"/>
    public static void CommitUnsynced(string temporaryPath, string targetPath)
    {
        var (temporary, target) = RequireTemporaryBeside(temporaryPath, targetPath);
        try
        {
            Rename(temporary, target);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    private static (string Temporary, string Target) RequireTemporaryBeside(string temporaryPath, string targetPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(temporaryPath);
        ArgumentException.ThrowIfNullOrEmpty(targetPath);
        var temporary = Path.GetFullPath(temporaryPath);
        var target = Path.GetFullPath(targetPath);
        if (!IsTemporary(temporary) || Path.GetDirectoryName(temporary) != Path.GetDirectoryName(target))
        {
            // Elsewhere the rename could cross file systems and stop being atomic, and Verify would not find leftovers.
            throw new ArgumentException(
                $"expected a temporary named by TemporaryPathFor beside '{target}', got '{temporary}'", nameof(temporaryPath));
        }

        return (temporary, target);
    }

    private static (string Directory, string Name) SplitTarget(string targetPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetPath);
        var full = Path.GetFullPath(targetPath);
        var name = Path.GetFileName(full);
        if (name.Length == 0)
        {
            throw new ArgumentException($"expected a file path, got the directory '{targetPath}'", nameof(targetPath));
        }

        return (Path.GetDirectoryName(full)!, name);
    }

    private static (string Path, FileStream Stream) CreateTemporary(string target)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            // None takes flock(LOCK_EX), a single syscall; shared modes may also query the file system type.
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = ReadableByAll;
        }

        // CreateNew makes a name collision an error rather than two writers sharing a file; a fresh name fixes it.
        for (var attempt = 1; ; attempt++)
        {
            var temporary = TemporaryPathFor(target);
            try
            {
                return (temporary, new FileStream(temporary, options));
            }
            catch (IOException) when (attempt < 3 && File.Exists(temporary))
            {
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageException(target, $"could not create the temporary {Path.GetFileName(temporary)}: {e.Message}", e);
            }
        }
    }

    private static async Task FlushAsync(FileStream stream, string target, CancellationToken cancellationToken)
    {
        try
        {
            // Buffered bytes first (where a full disk shows up), then fsync: the rename must not outrun the data.
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new StorageException(target, $"could not flush the temporary {Path.GetFileName(stream.Name)} to disk: {e.Message}", e);
        }
    }

    // rename(2) directly rather than File.Move: File.Move falls back to copy-and-delete across file systems,
    // which would quietly stop being atomic.
    private static void Rename(string temporary, string target)
    {
        var errno = LibC.Rename(temporary, target);
        if (errno != 0)
        {
            throw new StorageException(target, $"could not rename {Path.GetFileName(temporary)} over the target: {LibC.Describe(errno)}");
        }
    }

    // Cleanup must not hide the error that got us here; a leftover is still recognisable by IsTemporary.
    private static void DeleteQuietly(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"^\.(?<target>.+)\.[0-9a-f]{8}\.partial$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryPattern();
}
