namespace AlpineMirror.Mirroring;

/// <summary>How <see cref="MirrorExecutor"/> runs; retries and timeouts are the <see cref="Upstream.UpstreamClientOptions"/>.</summary>
public sealed record MirrorSettings
{
    /// <summary>How many files are downloaded (or checked) at once, over one HttpClient.</summary>
    public int Parallel { get; init; } = 8;
}
