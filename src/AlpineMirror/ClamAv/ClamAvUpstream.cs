using System.Net;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.ClamAv;

/// <summary>
/// The antivirus feed's side of HTTP, over <see cref="UpstreamClient"/> (its retries for timeouts and 5xx): the
/// 512-byte header of a database by <c>Range</c>, and whole files into a staging folder. 429 and 403 are never retried:
/// they become a <see cref="CdnRefusal"/> with the wait ClamAV's CDN asks for.
/// </summary>
internal sealed class ClamAvUpstream(UpstreamClient client, Uri baseUri, TimeSpan idleTimeout, TimeProvider time)
{
    /// <summary>What ClamAV's own client waits after a 429 without Retry-After.</summary>
    public static readonly TimeSpan TooManyRequestsWait = TimeSpan.FromHours(4);

    /// <summary>What ClamAV's own client waits after a 403: the CDN has blocked us.</summary>
    public static readonly TimeSpan ForbiddenWait = TimeSpan.FromHours(24);

    /// <summary>The statuses the client must hand back at once instead of retrying.</summary>
    public static readonly IReadOnlySet<HttpStatusCode> FinalStatuses =
        new HashSet<HttpStatusCode> { HttpStatusCode.NotFound, HttpStatusCode.Forbidden, HttpStatusCode.TooManyRequests };

    private int _requests;
    private long _bytes;

    /// <summary>Requests sent so far (retries included).</summary>
    public int Requests => _requests;

    /// <summary>Body bytes received so far.</summary>
    public long Bytes => _bytes;

    public Uri UriOf(ClamAvFile file) => new(baseUri.AbsoluteUri.TrimEnd('/') + "/" + file.Name);

    /// <summary>The version in upstream's <c>&lt;db&gt;.cvd</c> header, read with one <c>Range: bytes=0-511</c> request.</summary>
    /// <exception cref="CdnRefusal">429 or 403.</exception>
    /// <exception cref="UpstreamException">Unreachable, or another error status.</exception>
    /// <exception cref="ClamAvFormatException">The header is malformed.</exception>
    public async Task<UpstreamVersion> HeaderAsync(string database, CancellationToken cancellationToken)
    {
        var uri = UriOf(ClamAvFile.Cvd(database, 0));
        using var response = await SendAsync(uri, () => client.GetRangeAsync(uri, 0, CvdHeader.Length - 1, cancellationToken));
        var buffer = new byte[CvdHeader.Length];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        // A server that ignores Range sends the whole file: read the header and hang up.
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        Interlocked.Add(ref _bytes, read);
        var header = CvdHeader.Parse(buffer.AsSpan(0, read), uri.AbsoluteUri);
        var size = response.Content.Headers.ContentRange?.Length
                   ?? (response.StatusCode == HttpStatusCode.OK ? response.Content.Headers.ContentLength : null);
        return new UpstreamVersion(database, header.Version, size, "header");
    }

    /// <summary>
    /// Downloads <paramref name="file"/> into <paramref name="directory"/> (through a temporary, renamed when complete);
    /// false when upstream does not have it (404) and <paramref name="mayBeMissing"/>.
    /// </summary>
    /// <exception cref="CdnRefusal">429 or 403.</exception>
    /// <exception cref="UpstreamException">Unreachable, a 404 for a file that must exist, or a body cut short.</exception>
    public async Task<bool> DownloadAsync(ClamAvFile file, string directory, long maxBytes, bool mayBeMissing, CancellationToken cancellationToken)
    {
        var uri = UriOf(file);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(uri, () => client.GetStreamingAsync(uri, rangeStart: null, cancellationToken));
        }
        catch (UpstreamException e) when (e.StatusCode == HttpStatusCode.NotFound && mayBeMissing)
        {
            return false;
        }

        using (response)
        {
            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw new UpstreamException(uri, $"body: expected at most {maxBytes} bytes, got {response.Content.Headers.ContentLength}; refused", 1);
            }

            await AtomicFile.WriteAsync(
                Path.Combine(directory, file.Name),
                async (target, token) => await CopyAsync(uri, response, target, maxBytes, token),
                cancellationToken);
        }

        return true;
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, Func<Task<HttpResponseMessage>> send)
    {
        Interlocked.Increment(ref _requests);
        try
        {
            return await send();
        }
        catch (UpstreamException e) when (e.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden)
        {
            var now = time.GetUtcNow();
            var until = e.StatusCode == HttpStatusCode.Forbidden
                ? now + ForbiddenWait
                : e.RetryAfter?.Date ?? now + (e.RetryAfter?.Delta ?? TooManyRequestsWait);
            throw new CdnRefusal(until, $"{uri.AbsoluteUri}: {e.Failure}");
        }
    }

    private async Task CopyAsync(Uri uri, HttpResponseMessage response, Stream target, long maxBytes, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffer = new byte[81920];
        long total = 0;
        while (true)
        {
            // The timeout bounds silence, not the transfer: a large main.cvd on a slow link is fine while bytes flow.
            idle.CancelAfter(idleTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer, idle.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new UpstreamException(uri, $"body: no data for {idleTimeout.TotalSeconds:0.###} s after {total} bytes", 1);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new UpstreamException(uri, $"body: {e.Message} after {total} bytes", 1, inner: e);
            }

            if (read == 0)
            {
                return;
            }

            total += read;
            Interlocked.Add(ref _bytes, read);
            if (total > maxBytes)
            {
                throw new UpstreamException(uri, $"body: expected at most {maxBytes} bytes, got more; refused", 1);
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }
}
