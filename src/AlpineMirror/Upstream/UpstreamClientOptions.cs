using System.Net;
using System.Reflection;

namespace AlpineMirror.Upstream;

/// <summary>How patiently <see cref="UpstreamClient"/> talks to upstream.</summary>
public sealed record UpstreamClientOptions
{
    /// <summary>How long one attempt may take before it is abandoned and retried (a body read by <see cref="UpstreamClient.GetBytesAsync"/> included).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a failed request is repeated; 0 sends it once.</summary>
    public int Retries { get; init; } = 4;

    /// <summary>The first retry delay; later ones double, with jitter, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Sent with every request so upstream operators can tell who is mirroring.</summary>
    public string UserAgent { get; init; } = DefaultUserAgent;

    /// <summary>
    /// Statuses answered at once, never retried, for the caller to act on: ClamAV's CDN wants hours of quiet after a
    /// 429 or 403, and an old patch it no longer has is a 404 for good.
    /// </summary>
    public IReadOnlySet<HttpStatusCode> FinalStatuses { get; init; } = new HashSet<HttpStatusCode>();

    /// <summary>The cap of the exponential backoff.</summary>
    public static TimeSpan MaxDelay { get; } = TimeSpan.FromSeconds(30);

    /// <summary><c>AlpineMirror/&lt;version&gt;</c>.</summary>
    public static string DefaultUserAgent { get; } = $"AlpineMirror/{LibraryVersion()}";

    private static string LibraryVersion()
    {
        var assembly = typeof(UpstreamClientOptions).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // Drop the "+<commit>" build metadata: a product token should stay short.
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
    }
}
