using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace AlpineMirror.Storage;

/// <summary>
/// One run per mirror root (DESIGN.md §4.4): an exclusive lock on <c>.alpinemirror/lock</c>, held until disposed,
/// with the holder's pid, host and start time written into the file for whoever is refused.
/// </summary>
/// <remarks>
/// <para>The lock is flock(2) on the file's own descriptor: the kernel releases it when the process dies, however it
/// dies, so a crashed run never leaves the root locked. The record it leaves behind only tells the next run that it
/// takes over a dead run's root. It is taken here rather than through <see cref="FileShare.None"/>, which .NET skips
/// when <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> is set (as some NFS guides advise): that would let two runs in.</para>
/// <para>The one file written in place: replacing it by rename would lock a new inode beside the old one and allow
/// two holders. It is never deleted for the same reason; a clean release empties it instead.</para>
/// </remarks>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream, RunLockHolder holder, string? takenOverFrom)
    {
        _stream = stream;
        Holder = holder;
        TakenOverFrom = takenOverFrom;
    }

    /// <summary>This run, as recorded in the lock file.</summary>
    public RunLockHolder Holder { get; }

    /// <summary>
    /// When a run died holding the root, what its record said ("pid 4711 on host mirror1 since …"), for a warning
    /// that its work was taken over; null after a clean release.
    /// </summary>
    public string? TakenOverFrom { get; }

    /// <summary>Takes the lock of the Alpine feed of <paramref name="root"/>, creating <c>.alpinemirror/</c> if needed.</summary>
    /// <exception cref="LockHeldException">Another process, or this one, holds it.</exception>
    public static RunLock Acquire(MirrorRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Acquire(root, root.LockFile);
    }

    /// <summary>
    /// Takes the lock of one feed folder of <paramref name="root"/> (<c>.alpinemirror/&lt;feed&gt;.lock</c>), so a
    /// short antivirus check never waits behind a long Alpine mirror, while two runs of one feed still exclude each other.
    /// </summary>
    /// <exception cref="LockHeldException">Another process, or this one, holds it.</exception>
    public static RunLock AcquireFeed(MirrorRoot root, string feed)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Acquire(root, root.FeedLockFile(feed));
    }

    private static RunLock Acquire(MirrorRoot root, string lockFile)
    {
        Directory.CreateDirectory(root.StateDirectory);
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var descriptor = LibC.OpenOrCreate(lockFile, mode, out var openErrno);
        if (descriptor < 0)
        {
            // Writing the record through a planted symlink would empty whatever it points to, as the user the run is.
            throw new StorageException(lockFile, openErrno == LibC.ELOOP
                ? "expected the lock file, found a symlink; it is never followed: remove it, then run again"
                : $"could not open the lock file: {LibC.Describe(openErrno)}");
        }

        var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        var lockErrno = LibC.LockExclusive(handle);
        if (lockErrno != 0)
        {
            handle.Dispose();
            throw lockErrno == LibC.EWOULDBLOCK
                ? new LockHeldException(lockFile, ReadHolderWithoutLocking(lockFile))
                : new StorageException(lockFile, $"could not lock the file: {LibC.Describe(lockErrno)}");
        }

        var stream = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0);
        try
        {
            var previous = ReadRecord(stream);
            var holder = RunLockHolder.Current();
            stream.SetLength(0);
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(holder, StateRecordJsonContext.Default.RunLockHolder));
            stream.Flush(flushToDisk: true);
            return new RunLock(stream, holder, previous is null ? null : Describe(previous));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Empties the record and releases the lock.</summary>
    public void Dispose()
    {
        if (!_stream.CanWrite)
        {
            return;
        }

        try
        {
            _stream.SetLength(0);
            _stream.Flush(flushToDisk: true);
        }
        finally
        {
            _stream.Dispose();
        }
    }

    private static string? ReadRecord(Stream stream)
    {
        if (stream.Length == 0)
        {
            return null;
        }

        // A record is a few dozen bytes; cap what a damaged file can make us read.
        var buffer = new byte[Math.Min(stream.Length, 4096)];
        stream.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    private static string Describe(string record) =>
        TryParse(record) is { } holder ? holder.ToString() : $"an unreadable record '{record.ReplaceLineEndings(" ")}'";

    private static RunLockHolder? TryParse(string record)
    {
        try
        {
            return JsonSerializer.Deserialize(record, StateRecordJsonContext.Default.RunLockHolder);
        }
        catch (JsonException)
        {
            // Torn by a crash while writing, or caught mid-write by a refused reader.
            return null;
        }
    }

    // Every FileStream and File.Read* takes at least a shared flock, which the holder's exclusive one refuses;
    // a plain open(2) reads past the advisory lock.
    private static RunLockHolder? ReadHolderWithoutLocking(string lockFile)
    {
        var descriptor = LibC.OpenForReading(lockFile);
        if (descriptor < 0)
        {
            return null;
        }

        using var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        return ReadRecord(stream) is { } record ? TryParse(record) : null;
    }
}
