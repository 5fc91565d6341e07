using System.Buffers;
using System.Diagnostics;
using System.Net;
using AlpineMirror.Apk;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;
using Microsoft.Win32.SafeHandles;

namespace AlpineMirror.Mirroring;

/// <summary>
/// Streams one upstream file into a temporary beside its target, verifying every chunk as it arrives, and renames it
/// into place only once the whole file verified (DESIGN.md §4.3, §4.5).
/// </summary>
/// <remarks>
/// <see cref="UpstreamClient"/> retries until the response headers arrive; what happens to the body is handled here.
/// A body cut short or stalled for longer than the client's timeout is resumed with an HTTP Range request from the
/// bytes already written (a server answering 200 instead of 206 restarts the file and the check). Wrong bytes are
/// retried from scratch, since a CDN can serve a corrupt copy once. Both share the client's retry budget.
/// </remarks>
/// <param name="roundTrip">Receives the time from each request to its response headers.</param>
internal sealed class FileDownloader(UpstreamClient client, UpstreamClientOptions options, MirrorCounters counters, RoundTrip roundTrip)
{
    private const int BufferSize = 128 * 1024;
    private const UnixFileMode ReadableByAll =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Downloads <paramref name="uri"/> to <paramref name="target"/>, which ends up replaced or untouched, never half written.</summary>
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
        var temporary = claimed ?? AtomicFile.TemporaryPathFor(target);
        TemporaryDownload? download = null;
        var committed = false;
        try
        {
            download = new TemporaryDownload(temporary, target, newCheck, fresh: claimed is null);
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
                    // Keep what was written: the next request continues from there.
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
            AtomicFile.CommitUnsynced(download.Path, target);
            committed = true;
            counters.FileDownloaded();
            if (download.Resumed)
            {
                counters.Resumed();
            }

            // The open handle's file after the rename, which moves the change time: the very file verified, whatever
            // the target's name points at; Verify trusts the target only while it is still this file.
            return download.Status();
        }
        finally
        {
            download?.Dispose();
            if (!committed)
            {
                DeleteQuietly(temporary);
            }
        }
    }

    private async Task TransferAsync(Uri uri, TemporaryDownload download, CancellationToken cancellationToken)
    {
        var start = download.Written;
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
        // Pooled: a fresh 128 KiB buffer per download is a large-object allocation per package.
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        // Bytes checked but not yet written. Written whole buffers at a time: a write that ends inside a page makes
        // the kernel zero the rest of that page first, and a package arrives in several reads of odd sizes.
        var pending = 0;
        try
        {
            while (true)
            {
                if (pending == BufferSize)
                {
                    download.Write(buffer.AsSpan(0, pending));
                    pending = 0;
                }

                // The timeout bounds silence, not the whole transfer: a large image on a slow link is fine while bytes flow.
                idle.CancelAfter(options.Timeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(pending, BufferSize - pending), idle.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data for {options.Timeout.TotalSeconds:0.###} s after {download.Written + pending} bytes");
                }

                if (read == 0)
                {
                    return;
                }

                counters.BytesReceived(read);
                download.Check.Append(buffer.AsSpan(pending, read));
                pending += read;
            }
        }
        finally
        {
            // Also when the body broke off: the check has seen these bytes, so the file must hold them before a resume.
            try
            {
                if (pending > 0)
                {
                    download.Write(buffer.AsSpan(0, pending));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
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

    /// <summary>One target's temporary file and the check fed with exactly the bytes it holds.</summary>
    /// <remarks>
    /// A bare handle written at explicit offsets: no FileStream (whose flock, seeks and thread-pool hop per
    /// asynchronous write cost more than the 20 KB a typical package holds), and no fsync: the Relink step syncs
    /// the staging file system once before anything is published.
    /// </remarks>
    private sealed class TemporaryDownload : IDisposable
    {
        private readonly string _target;
        private readonly Func<IStreamCheck> _newCheck;
        private SafeFileHandle? _file;

        public TemporaryDownload(string path, string target, Func<IStreamCheck> newCheck, bool fresh)
        {
            Path = path;
            _target = target;
            _newCheck = newCheck;
            Check = newCheck();
            _file = Io(() => LibC.OpenForWriting(path, createNew: fresh, ReadableByAll), "create");
        }

        public string Path { get; }

        public IStreamCheck Check { get; private set; }

        public long Written { get; private set; }

        public bool Resumed { get; set; }

        /// <summary>Feeds a claimed leftover to the check; true when it already is the whole, verified file.</summary>
        public bool Replay(long size, CancellationToken cancellationToken)
        {
            try
            {
                Written = Io(() => StagedFile.Feed(_file!, Check, size + 1, cancellationToken), "read");
                if (Written == size)
                {
                    Check.Complete();
                    return true;
                }

                Resumed = Written > 0;
                return false;
            }
            catch (Exception e) when (e is ChecksumMismatchException or ApkFormatException or SignatureException)
            {
                // The leftover holds wrong bytes: nothing of it can be kept.
                Restart();
                return false;
            }
        }

        /// <summary>Appends <paramref name="chunk"/>; a full disk fails here, on the write that caused it.</summary>
        public void Write(ReadOnlySpan<byte> chunk)
        {
            try
            {
                LibC.WriteAt(_file!, chunk, Written);
            }
            catch (IOException e)
            {
                throw new MirrorException(_target, $"write {System.IO.Path.GetFileName(Path)}: {e.Message}", e);
            }

            Written += chunk.Length;
        }

        public void Restart()
        {
            Check.Dispose();
            Check = _newCheck();
            Io(() => RandomAccess.SetLength(_file!, 0), "truncate");
            Written = 0;
            Resumed = false;
        }

        /// <summary>What statx(2) says of the file written, by its handle; null when that cannot be told.</summary>
        public FileStatus? Status() => LibC.Stat(_file!, out var status) == 0 ? status : null;

        public void Dispose()
        {
            Check.Dispose();
            _file?.Dispose();
        }

        private T Io<T>(Func<T> operation, string what)
        {
            try
            {
                return operation();
            }
            catch (IOException e)
            {
                throw new MirrorException(_target, $"{what} {System.IO.Path.GetFileName(Path)}: {e.Message}", e);
            }
        }

        private void Io(Action operation, string what) => Io(() => { operation(); return 0; }, what);
    }
}
