using System.Net;
using System.Net.Http.Headers;

namespace AlpineMirror.Upstream;

/// <summary>An upstream URL that could not be fetched, after every retry was spent.</summary>
public sealed class UpstreamException(Uri uri, string failure, int attempts, HttpStatusCode? statusCode = null, Exception? inner = null,
    RetryConditionHeaderValue? retryAfter = null)
    : NetworkException(uri.AbsoluteUri, $"{failure} (after {attempts} attempt{(attempts == 1 ? "" : "s")})", inner)
{
    /// <summary>The URL that failed.</summary>
    public Uri Uri { get; } = uri;

    /// <summary>What the last attempt got: an HTTP status, a network error or a timeout.</summary>
    public string Failure { get; } = failure;

    /// <summary>How many requests were sent.</summary>
    public int Attempts { get; } = attempts;

    /// <summary>The HTTP status of the last attempt, or null when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>The last response's <c>Retry-After</c> (a delay or a date), when it sent one.</summary>
    public RetryConditionHeaderValue? RetryAfter { get; } = retryAfter;
}
