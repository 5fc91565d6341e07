using System.Net;
using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using AlpineMirror.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AlpineMirror.Upstream;

/// <summary>Fetches upstream files over one shared HttpClient, retrying transient failures with capped, jittered exponential backoff.</summary>
/// <remarks>
/// The Polly pipeline runs around a whole attempt (a fresh request, the response headers and, for
/// <see cref="GetBytesAsync"/>, the body), not inside the HttpClient: a body cut short is retried like a refused
/// connection, the per-attempt timeout covers the body, and the number of attempts is known for the error message.
/// Retried: timeouts, connection and I/O errors, 5xx, 408, 429 and 404 (upstream uploads indexes before the
/// packages they list, so a package can be missing for a moment).
/// A request's first attempt runs outside the pipeline with the same timeout; only a failure enters it.
/// </remarks>
public sealed class UpstreamClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _pipeline;
    private readonly UpstreamClientOptions _options;

    /// <summary>A client with the given retry and timeout policy.</summary>
    /// <exception cref="ConfigurationException">An option is out of range or the user agent is not a valid product token.</exception>
    public UpstreamClient(UpstreamClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Indexes are .tar.gz files whose bytes are signed: never let the transport decompress them.
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.Timeout,
            // Recycle connections so a CDN's DNS changes are noticed during a long mirror run.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            // The pipeline owns the per-attempt timeout; HttpClient's default 100 s would silently cap a longer one.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _pipeline = BuildPipeline(options);
    }

    /// <summary>A client with the default options.</summary>
    public UpstreamClient()
        : this(new UpstreamClientOptions())
    {
    }

    /// <summary>Downloads a small file (an index, <c>latest-releases.yaml</c>) whole.</summary>
    /// <exception cref="UpstreamException">Retries are exhausted, the status is not retryable, or the body is larger than <paramref name="maxBytes"/>.</exception>
    public Task<byte[]> GetBytesAsync(Uri uri, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength);
        return SendAsync(uri, range: null, ReadBodyAsync, cancellationToken);

        async ValueTask<byte[]> ReadBodyAsync(HttpResponseMessage response, int attempts, CancellationToken token)
        {
            using (response)
            {
                var declared = response.Content.Headers.ContentLength;
                if (declared > maxBytes)
                {
                    throw TooLarge(uri, maxBytes, $"{declared} bytes", attempts);
                }

                await using var body = await response.Content.ReadAsStreamAsync(token);
                var buffer = new MemoryStream(declared is { } length ? (int)length : 0);
                var chunk = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(chunk, token)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        throw TooLarge(uri, maxBytes, "more bytes", attempts);
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.ToArray();
            }
        }
    }

    /// <summary>
    /// Starts a download and returns once the headers arrived, for the caller to stream the body.
    /// With <paramref name="rangeStart"/>, asks for the bytes from that offset on: the answer is 206 when the server
    /// honoured the range and 200 (the whole file) when it did not, so check <see cref="HttpResponseMessage.StatusCode"/>.
    /// The caller disposes the response; errors while reading the body are the caller's to retry.
    /// </summary>
    /// <exception cref="UpstreamException">Retries are exhausted or the status is not retryable (including 416 for a range past the end).</exception>
    public Task<HttpResponseMessage> GetStreamingAsync(Uri uri, long? rangeStart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (rangeStart is { } start)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(start, nameof(rangeStart));
        }

        return SendAsync(
            uri, rangeStart is { } from ? new RangeHeaderValue(from, null) : null, static (response, _, _) => ValueTask.FromResult(response), cancellationToken);
    }

    /// <summary>
    /// Asks for the bytes <paramref name="from"/> to <paramref name="to"/> (both included) and returns once the headers
    /// arrived: 206 when the server honoured the range, 200 with the whole file when it did not. The caller disposes
    /// the response and reads no more than it asked for.
    /// </summary>
    /// <exception cref="UpstreamException">Retries are exhausted or the status is not retryable.</exception>
    public Task<HttpResponseMessage> GetRangeAsync(Uri uri, long from, long to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfLessThan(to, from);
        return SendAsync(uri, new RangeHeaderValue(from, to), static (response, _, _) => ValueTask.FromResult(response), cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(
        Uri uri,
        RangeHeaderValue? range,
        Func<HttpResponseMessage, int, CancellationToken, ValueTask<T>> onSuccess,
        CancellationToken cancellationToken)
    {
        var attempts = 1;
        try
        {
            // Nearly every request succeeds at once: its first attempt runs outside the pipeline, whose layers cost
            // more per 20 KB package than the request. A failure the retry strategy handles is handed to the pipeline
            // as its first attempt's outcome, so backoff, attempts and errors are what the pipeline alone would give.
            ExceptionDispatchInfo? firstFailure;
            try
            {
                return await FirstAttemptAsync(uri, range, onSuccess, cancellationToken);
            }
            catch (Exception e) when (_options.Retries > 0 && IsRetried(e) && !cancellationToken.IsCancellationRequested)
            {
                firstFailure = ExceptionDispatchInfo.Capture(e);
            }

            return await _pipeline.ExecuteAsync(
                async token =>
                {
                    if (Interlocked.Exchange(ref firstFailure, null) is { } replayed)
                    {
                        replayed.Throw();
                    }

                    attempts++;
                    return await AttemptAsync(uri, range, onSuccess, attempts, token);
                },
                cancellationToken);
        }
        catch (RetryableStatusException e)
        {
            throw new UpstreamException(uri, e.Message, attempts, e.StatusCode);
        }
        catch (TimeoutRejectedException e)
        {
            throw new UpstreamException(uri, $"no complete response within {_options.Timeout.TotalSeconds:0.###} s", attempts, inner: e);
        }
        catch (Exception e) when (IsNetworkError(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamException(uri, ExceptionText.OneLine(e), attempts, inner: e);
        }
    }

    // The pipeline's timeout strategy, for the attempt made without it: the same budget and the same exception.
    private async Task<T> FirstAttemptAsync<T>(
        Uri uri,
        RangeHeaderValue? range,
        Func<HttpResponseMessage, int, CancellationToken, ValueTask<T>> onSuccess,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            return await AttemptAsync(uri, range, onSuccess, 1, timeout.Token);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '{_options.Timeout}'.", _options.Timeout, e);
        }
    }

    private async Task<T> AttemptAsync<T>(
        Uri uri,
        RangeHeaderValue? range,
        Func<HttpResponseMessage, int, CancellationToken, ValueTask<T>> onSuccess,
        int attempts,
        CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Range = range;

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            var failure = Describe(response);
            throw IsRetryable(response)
                ? new RetryableStatusException(response.StatusCode, failure)
                : new UpstreamException(uri, failure, attempts, response.StatusCode, retryAfter: response.Headers.RetryAfter);
        }

        return await onSuccess(response, attempts, token);
    }

    private static ResiliencePipeline BuildPipeline(UpstreamClientOptions options)
    {
        var builder = new ResiliencePipelineBuilder();
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsRetried),
                MaxRetryAttempts = options.Retries,
                Delay = options.BaseDelay,
                MaxDelay = UpstreamClientOptions.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        // Inside the retry, so each attempt gets its own time budget.
        return builder.AddTimeout(options.Timeout).Build();
    }

    private bool IsRetryable(HttpResponseMessage response) =>
        !_options.FinalStatuses.Contains(response.StatusCode)
        && (response.StatusCode == HttpStatusCode.NotFound || HttpClientResiliencePredicates.IsTransient(Outcome.FromResult(response)));

    // What the retry strategy retries.
    private static bool IsRetried(Exception e) => e is RetryableStatusException or TimeoutRejectedException || IsNetworkError(e);

    // HttpIOException (a body cut short) is an IOException; a refused or reset connection is an HttpRequestException.
    private static bool IsNetworkError(Exception e) => e is HttpRequestException or IOException;

    private static string Describe(HttpResponseMessage response) =>
        $"HTTP {(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}".TrimEnd();

    private static UpstreamException TooLarge(Uri uri, long maxBytes, string actual, int attempts) =>
        new(uri, $"body: expected at most {maxBytes} bytes, got {actual}; refused", attempts);

    private static void Validate(UpstreamClientOptions options)
    {
        // Polly's timeout strategy accepts 10 ms to 24 h.
        if (options.Timeout < TimeSpan.FromMilliseconds(10) || options.Timeout > TimeSpan.FromHours(24))
        {
            throw new ConfigurationException("timeout", $"expected 10 ms to 24 h, got {options.Timeout}");
        }

        if (options.Retries < 0)
        {
            throw new ConfigurationException("retries", $"expected 0 or more, got {options.Retries}");
        }

        if (options.BaseDelay < TimeSpan.Zero || options.BaseDelay > TimeSpan.FromHours(24))
        {
            throw new ConfigurationException("retry delay", $"expected 0 to 24 h, got {options.BaseDelay}");
        }

        using var probe = new HttpRequestMessage();
        if (string.IsNullOrWhiteSpace(options.UserAgent) || !probe.Headers.UserAgent.TryParseAdd(options.UserAgent))
        {
            throw new ConfigurationException("user agent", $"expected product tokens like 'AlpineMirror/1.0', got '{options.UserAgent}'");
        }
    }

    /// <summary>A status worth retrying; only ever seen by the retry strategy and <see cref="SendAsync{T}"/>.</summary>
    private sealed class RetryableStatusException(HttpStatusCode statusCode, string message) : Exception(message)
    {
        public HttpStatusCode StatusCode { get; } = statusCode;
    }
}
