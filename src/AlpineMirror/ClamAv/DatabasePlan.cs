using System.Text.Json.Serialization;

namespace AlpineMirror.ClamAv;

/// <summary>What an update does to one database: the versions on both sides and the files to fetch.</summary>
/// <param name="MirrorVersion">The served <c>.cvd</c>'s version; null on an empty mirror.</param>
/// <param name="Patches">Patch versions to fetch, oldest first; the oldest may turn out to be gone upstream (404).</param>
/// <param name="FetchCvd">Whether the new <c>.cvd</c> is fetched (the version changed).</param>
/// <param name="CvdSize">The new <c>.cvd</c>'s size when upstream told it, else null.</param>
/// <param name="Note">Why nothing is fetched when upstream is behind the mirror, or null.</param>
public sealed record DatabasePlan(
    string Database, int? MirrorVersion, int UpstreamVersion, string VersionSource, IReadOnlyList<int> Patches, bool FetchCvd, long? CvdSize, string? Note)
{
    public bool HasChanges => FetchCvd || Patches.Count > 0;

    /// <summary>The names of <see cref="Files"/>, as the report lists them.</summary>
    public IReadOnlyList<string> ToFetch => Files.Select(f => f.Name).ToList();

    /// <summary>The patches, then the <c>.cvd</c>: the order they are published in.</summary>
    [JsonIgnore]
    public IReadOnlyList<ClamAvFile> Files =>
        [.. Patches.Select(v => ClamAvFile.Cdiff(Database, v)), .. FetchCvd ? [ClamAvFile.Cvd(Database, UpstreamVersion)] : Array.Empty<ClamAvFile>()];

    /// <summary>Plans one database from what the mirror serves and what upstream announces.</summary>
    public static DatabasePlan Create(ServedDatabase served, UpstreamVersion upstream, int keep)
    {
        var newest = upstream.Version;
        if (served.Version is { } current && newest <= current)
        {
            // Never back to an older version: a CDN node that lags behind is not a reason to downgrade stations.
            var note = newest < current ? $"upstream announces {newest}, older than the mirror's {current}: kept {current}" : null;
            return new DatabasePlan(served.Database, current, newest, upstream.Source, [], false, null, note);
        }

        // Patch N turns N-1 into N; a database starts at 1. An empty mirror takes the newest --clamav-keep.
        var oldest = Math.Max(Math.Max(2, newest - keep + 1), (served.Version ?? 0) + 1);
        var patches = Enumerable.Range(oldest, Math.Max(0, newest - oldest + 1)).ToList();
        return new DatabasePlan(served.Database, served.Version, newest, upstream.Source, patches, true, upstream.CvdSize, null);
    }
}
