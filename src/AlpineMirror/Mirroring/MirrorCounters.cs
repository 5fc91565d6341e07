using System.Diagnostics;

namespace AlpineMirror.Mirroring;

/// <summary>The running totals of one mirror run, updated from parallel downloads.</summary>
internal sealed class MirrorCounters(int filesTotal, long bytesExpected)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _filesDone;
    private long _bytesTotal = bytesExpected;
    private long _bytesDownloaded;
    private int _downloaded;
    private int _reused;
    private int _removed;
    private int _resumed;
    private int _retried;
    private int _unchanged;
    private long _bytesChecked;

    public void FileDownloaded() => Interlocked.Increment(ref _downloaded);

    public void FileReused() => Interlocked.Increment(ref _reused);

    /// <summary>A reused file kept on its size and inode alone.</summary>
    public void FileUnchanged()
    {
        Interlocked.Increment(ref _unchanged);
        FileReused();
    }

    public void BytesChecked(long count) => Interlocked.Add(ref _bytesChecked, count);

    public void FileSettled() => Interlocked.Increment(ref _filesDone);

    public void Removed(int count) => Interlocked.Add(ref _removed, count);

    public void Resumed() => Interlocked.Increment(ref _resumed);

    public void Retried() => Interlocked.Increment(ref _retried);

    public void BytesReceived(long count) => Interlocked.Add(ref _bytesDownloaded, count);

    /// <summary>Corrects the expected download when staging holds more or less than the plan assumed.</summary>
    public void ExpectBytes(long delta) => Interlocked.Add(ref _bytesTotal, delta);

    public MirrorProgress Progress() => new(
        Volatile.Read(ref _filesDone),
        filesTotal,
        Interlocked.Read(ref _bytesDownloaded),
        Math.Max(0, Interlocked.Read(ref _bytesTotal)),
        _clock.Elapsed);

    public MirrorResult Result() => new(
        Volatile.Read(ref _downloaded),
        Volatile.Read(ref _reused),
        Volatile.Read(ref _removed),
        Volatile.Read(ref _resumed),
        Volatile.Read(ref _retried),
        Interlocked.Read(ref _bytesDownloaded),
        _clock.Elapsed,
        Volatile.Read(ref _unchanged),
        Interlocked.Read(ref _bytesChecked));
}
