using System.Buffers;
using System.Diagnostics;
using System.Net;
using AlpineMirror.Apk;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;
using Microsoft.Win32.SafeHandles;

namespace AlpineMirror.Mirroring;

/// <summary>
/// Streams one upstream file towards its target, verifying every chunk as it arrives; the target gets the bytes only
/// once the whole file verified (DESIGN.md §4.3, §4.5).
/// </summary>
/// <remarks>
/// A file that fits one buffer (a typical package) is held in memory and, once verified, written to a new file created
/// under the target's own name with O_EXCL: no temporary and no rename for a name nothing holds yet, and an existing
/// entry, perhaps a hard link into a published snapshot, is never opened. Larger files, a target name already taken and
/// a leftover of an interrupted run go through a temporary beside the target, renamed over it. Targets live in staging
/// folders, which nothing serves before they are verified and published; a run killed during the one write of a new
/// name leaves a short file there, which the next run checks (size, then hash) and replaces like any file staging holds.
/// <para>
/// <see cref="UpstreamClient"/> retries until the response headers arrive; what happens to the body is handled here.
/// A body cut short or stalled for longer than the client's timeout is resumed with an HTTP Range request from the
/// bytes already received (a server answering 200 instead of 206 restarts the file and the check). Wrong bytes are
/// retried from scratch, since a CDN can serve a corrupt copy once. Both share the client's retry budget.
/// </para>
/// </remarks>
/// <param name="roundTrip">Receives the time from each request to its response headers.</param>
internal sealed class FileDownloader(UpstreamClient client, UpstreamClientOptions options, MirrorCounters counters, RoundTrip roundTrip)
{
    private const int BufferSize = 128 * 1024;
    private const UnixFileMode ReadableByAll =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Downloads <paramref name="uri"/> to <paramref name="target"/>, which ends up replaced or untouched, never half written (unless a kill stops the one write of a new name, see the remarks).</summary>
    /// <param name="size">The exact size the trusted metadata gives.</param>
    /// <param name="leftovers">Temporaries of this target left by an interrupted run; the longest is resumed, the others deleted.</param>
    /// <param name="newCheck">Creates the check a fresh attempt feeds.</param>
    /// <exception cref="ChecksumMismatchException">Every attempt brought wrong bytes.</exception>
    /// <exception cref="ApkFormatException">Every attempt brought a malformed package.</exception>
    /// <exception cref="UpstreamException">The file could not be fetched, even after retries.</exception>
    /// <exception cref="MirrorException">The temporary could not be written (e.g. the disk is full).</exception>
    /// <exception cref="StorageException">The verified temporary could not be renamed into place.</exception>
    /// <returns>
    /// What statx(2) says of <paramref name="target"/> right after the rename, when it is the very file that was verified
    /// (the temporary's inode); null when that cannot be told.
    /// </returns>
    public async Task<FileStatus?> DownloadAsync(
        Uri uri, string target, long size, IReadOnlyList<string> leftovers, Func<IStreamCheck> newCheck, CancellationToken cancellationToken)
    {
        var claimed = Claim(target, leftovers);
        Download? download = null;
        var committed = false;
        try
        {
            download = new Download(target, newCheck, claimed);
            var complete = claimed is not null && download.Replay(size, cancellationToken);
            var failures = 0;
            while (!complete)
            {
                try
                {
                    await TransferAsync(uri, download, cancellationToken);
                    download.Check.Complete();
                    complete = true;
                }
                catch (Exception e) when (IsInterruption(e, cancellationToken) && failures < options.Retries)
                {
                    // Keep what was received: the next request continues from there.
                    failures++;
                    counters.Retried();
                    await BackoffAsync(failures, cancellationToken);
                }
                catch (Exception e) when ((e is ChecksumMismatchException or ApkFormatException or SignatureException) && failures < options.Retries)
                {
                    failures++;
                    counters.Retried();
                    download.Restart();
                    await BackoffAsync(failures, cancellationToken);
                }
                catch (Exception e) when (IsInterruption(e, cancellationToken))
                {
                    throw new UpstreamException(uri, $"body: {ExceptionText.OneLine(e)}", failures + 1, inner: e);
                }
                catch (ChecksumMismatchException e)
                {
                    throw new ChecksumMismatchException(e.Source, e.Field, e.Expected, $"{e.Actual} (after {Attempts(failures + 1)})");
                }
                catch (ApkFormatException e)
                {
                    throw new ApkFormatException(e.Source, $"{WithoutSource(e)} (after {Attempts(failures + 1)})", e);
                }
            }

            // A cancelled run must not publish a file it was told to abandon, even a complete one.
            cancellationToken.ThrowIfCancellationRequested();
            // Synced with the whole staging file system before Relink publishes it (DESIGN.md §4.3).
            download.Commit();
            committed = true;
            counters.FileDownloaded();
            if (download.Resumed)
            {
                counters.Resumed();
            }

            // The open handle's file after the commit (a rename moves the change time): the very file verified, whatever
            // the target's name points at; Verify trusts the target only while it is still this file.
            return download.Status();
        }
        finally
        {
            download?.Dispose();
            // The claimed leftover too when the download could not even start on it.
            if (!committed && (download?.TemporaryPath ?? claimed) is { } temporary)
            {
                DeleteQuietly(temporary);
            }
        }
    }

    private async Task TransferAsync(Uri uri, Download download, CancellationToken cancellationToken)
    {
        var start = download.Received;
        var sentAt = Stopwatch.GetTimestamp();
        using var response = await client.GetStreamingAsync(uri, start > 0 ? start : null, cancellationToken);
        roundTrip.Answered(sentAt);
        if (start > 0)
        {
            if (response.StatusCode != HttpStatusCode.PartialContent)
            {
                // The server ignored the range and sends the whole file: start the file and its check over.
                download.Restart();
            }
            else if (response.Content.Headers.ContentRange?.From != start)
            {
                download.Restart();
                throw new HttpIOException(HttpRequestError.InvalidResponse,
                    $"resume: expected bytes from {start}, got Content-Range '{response.Content.Headers.ContentRange}'");
            }
            else
            {
                download.Resumed = true;
            }
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            // The timeout bounds silence, not the whole transfer: a large image on a slow link is fine while bytes flow.
            idle.CancelAfter(options.Timeout);
            int read;
            try
            {
                read = await body.ReadAsync(download.FreeSpace(), idle.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no data for {options.Timeout.TotalSeconds:0.###} s after {download.Received} bytes");
            }

            if (read == 0)
            {
                return;
            }

            counters.BytesReceived(read);
            download.Add(read);
        }
    }

    // Only the network can interrupt: write errors arrive as MirrorException, not IOException.
    private static bool IsInterruption(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && (e is IOException or HttpRequestException or TimeoutException);

    private Task BackoffAsync(int failures, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromTicks(Math.Min(options.BaseDelay.Ticks << Math.Min(failures - 1, 20), UpstreamClientOptions.MaxDelay.Ticks));
        return Task.Delay(delay, cancellationToken);
    }

    // Renames the longest leftover to a fresh temporary name first, so no other run or worker can be writing it.
    private static string? Claim(string target, IReadOnlyList<string> leftovers)
    {
        string? claimed = null;
        foreach (var leftover in leftovers.OrderByDescending(path => new FileInfo(path) is { Exists: true } file ? file.Length : -1))
        {
            if (claimed is not null || !IsOwnFile(leftover))
            {
                DeleteQuietly(leftover);
                continue;
            }

            var fresh = AtomicFile.TemporaryPathFor(target);
            try
            {
                File.Move(leftover, fresh, overwrite: false);
                claimed = fresh;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                DeleteQuietly(leftover);
            }
        }

        return claimed;
    }

    // Resuming writes into the leftover: through a symlink or a second hard link that would overwrite a file elsewhere.
    private static bool IsOwnFile(string leftover) =>
        LibC.StatNoFollow(leftover, out var status) == 0 && status.IsRegularFile && status.Links == 1;

    private static string Attempts(int count) => count == 1 ? "1 attempt" : $"{count} attempts";

    private static string WithoutSource(AlpineMirrorException e) =>
        e.Message.StartsWith($"{e.Source}: ", StringComparison.Ordinal) ? e.Message[(e.Source.Length + 2)..] : e.Message;


    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>One target's bytes so far, and the check fed with exactly those bytes.</summary>
    /// <remarks>
    /// The bytes stay in a pooled buffer while they fit it, so a typical package is written once, whole and verified.
    /// A larger file goes to a temporary beside the target a buffer at a time: a bare handle written at explicit offsets,
    /// no FileStream (whose flock, seeks and thread-pool hop per asynchronous write cost more than a package), and no
    /// fsync: the Relink step syncs the staging file system once before anything is published.
    /// </remarks>
    private sealed class Download : IDisposable
    {
        private readonly string _target;
        private readonly Func<IStreamCheck> _newCheck;
        private readonly byte[] _buffer;
        private int _buffered;
        private SafeFileHandle? _file;
        private long _written;

        /// <param name="claimed">A leftover temporary of this target, renamed to a fresh temporary name: it is resumed.</param>
        public Download(string target, Func<IStreamCheck> newCheck, string? claimed)
        {
            _target = target;
            _newCheck = newCheck;
            Check = newCheck();
            if (claimed is not null)
            {
                TemporaryPath = claimed;
                try
                {
                    _file = Io(() => LibC.OpenForWriting(claimed), "open");
                }
                catch
                {
                    Check.Dispose();
                    throw;
                }
            }

            _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        }

        /// <summary>The temporary beside the target, once there is one.</summary>
        public string? TemporaryPath { get; private set; }

        public IStreamCheck Check { get; private set; }

        /// <summary>The bytes received and checked so far, in memory and in the temporary.</summary>
        public long Received => _written + _buffered;

        public bool Resumed { get; set; }

        /// <summary>Where the next bytes go; a full buffer is first written to the temporary.</summary>
        public Memory<byte> FreeSpace()
        {
            if (_buffered == BufferSize)
            {
                WriteBuffered();
            }

            return _buffer.AsMemory(_buffered, BufferSize - _buffered);
        }

        /// <summary>The next <paramref name="count"/> bytes arrived in <see cref="FreeSpace"/>: checked, then kept.</summary>
        public void Add(int count)
        {
            Check.Append(_buffer.AsSpan(_buffered, count));
            _buffered += count;
        }

        /// <summary>Feeds a claimed leftover to the check; true when it already is the whole, verified file.</summary>
        public bool Replay(long size, CancellationToken cancellationToken)
        {
            try
            {
                _written = Io(() => StagedFile.Feed(_file!, Check, size + 1, cancellationToken), "read");
                if (_written == size)
                {
                    Check.Complete();
                    return true;
                }

                Resumed = _written > 0;
                return false;
            }
            catch (Exception e) when (e is ChecksumMismatchException or ApkFormatException or SignatureException)
            {
                // The leftover holds wrong bytes: nothing of it can be kept.
                Restart();
                return false;
            }
        }

        public void Restart()
        {
            Check.Dispose();
            Check = _newCheck();
            if (_file is not null)
            {
                Io(() => RandomAccess.SetLength(_file, 0), "truncate");
            }

            _written = 0;
            _buffered = 0;
            Resumed = false;
        }

        /// <summary>
        /// Puts the verified bytes at the target: into a new file of the target's name when they are all in memory and
        /// the name is free, otherwise through the temporary, renamed over the target. A full disk fails here.
        /// </summary>
        public void Commit()
        {
            if (_file is null && Io(() => LibC.CreateNew(_target, ReadableByAll), "create") is { } created)
            {
                _file = created;
                try
                {
                    LibC.WriteAt(created, _buffer.AsSpan(0, _buffered), 0);
                }
                catch (IOException e)
                {
                    // Created by this download a moment ago: removing it leaves the name as it was.
                    DeleteQuietly(_target);
                    throw new MirrorException(_target, $"write {Path.GetFileName(_target)}: {e.Message}", e);
                }

                return;
            }

            WriteBuffered();
            AtomicFile.CommitUnsynced(TemporaryPath!, _target);
        }

        /// <summary>What statx(2) says of the file written, by its handle; null when that cannot be told.</summary>
        public FileStatus? Status() => _file is not null && LibC.Stat(_file, out var status) == 0 ? status : null;

        public void Dispose()
        {
            Check.Dispose();
            _file?.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        // Appends the buffered bytes to the temporary, created on first need.
        private void WriteBuffered()
        {
            if (_file is null)
            {
                var path = AtomicFile.TemporaryPathFor(_target);
                _file = Io(() => LibC.CreateNew(path, ReadableByAll) ?? throw new IOException($"could not create '{path}': the name is taken"), "create");
                TemporaryPath = path;
            }

            try
            {
                LibC.WriteAt(_file, _buffer.AsSpan(0, _buffered), _written);
            }
            catch (IOException e)
            {
                throw new MirrorException(_target, $"write {Path.GetFileName(TemporaryPath)}: {e.Message}", e);
            }

            _written += _buffered;
            _buffered = 0;
        }

        private T Io<T>(Func<T> operation, string what)
        {
            try
            {
                return operation();
            }
            catch (IOException e)
            {
                throw new MirrorException(_target, $"{what} {Path.GetFileName(TemporaryPath ?? _target)}: {e.Message}", e);
            }
        }

        private void Io(Action operation, string what) => Io(() => { operation(); return 0; }, what);
    }
}
