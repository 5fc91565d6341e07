namespace AlpineMirror.ClamAv;

/// <summary>
/// Upstream asked us to go away (429 Too Many Requests, 403 Forbidden): the feed stops at once and waits as asked.
/// Not an error (the run exits 0): only the service that records the wait ever sees it.
/// </summary>
internal sealed class CdnRefusal(DateTimeOffset until, string reason) : Exception(reason)
{
    public DateTimeOffset Until { get; } = until;
    public string Reason { get; } = reason;
}
