using System.Text.Json;
using AlpineMirror.Storage;

namespace AlpineMirror.ClamAv;

/// <summary>
/// What the antivirus feed remembers between runs (<c>.alpinemirror/clamav/cdn.json</c>): this installation's id for
/// the User-Agent, when upstream was last asked, and a wait upstream imposed (429, 403), so that a restart or a
/// nightly job never asks again too soon.
/// </summary>
public sealed record CdnState
{
    /// <summary>A random id made once per mirror root, sent in the User-Agent as ClamAV's own client does.</summary>
    public required Guid InstallationId { get; init; }

    /// <summary>The upstream the times below are about; another upstream starts with a clean slate.</summary>
    public string? Upstream { get; init; }
    public DateTimeOffset? LastCheck { get; init; }
    public DateTimeOffset? WaitUntil { get; init; }
    public string? WaitReason { get; init; }

    /// <summary>The state in <paramref name="path"/>, or a new one (with a new id) when there is none or it is unreadable.</summary>
    public static CdnState Load(string path)
    {
        try
        {
            if (File.Exists(path) && JsonSerializer.Deserialize(File.ReadAllBytes(path), CdnStateJsonContext.Default.CdnState) is { } state
                && state.InstallationId != Guid.Empty)
            {
                return state;
            }
        }
        catch (JsonException)
        {
            // Torn by a crash mid-write cannot happen (AtomicFile), but a hand edit can: start over rather than fail.
        }

        return new CdnState { InstallationId = Guid.NewGuid() };
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, CdnStateJsonContext.Default.CdnState));
    }

    /// <summary>
    /// When <paramref name="upstream"/> may next be asked and why, or null when it may be asked now: after a wait
    /// upstream imposed, and no sooner than <paramref name="interval"/> after the last check.
    /// </summary>
    public (DateTimeOffset At, string Reason)? NextCheck(Uri upstream, TimeSpan interval, DateTimeOffset now)
    {
        if (Upstream != upstream.AbsoluteUri)
        {
            return null;
        }

        if (WaitUntil is { } until && until > now)
        {
            return (until, WaitReason ?? "upstream asked us to wait");
        }

        if (LastCheck is { } last && last + interval > now)
        {
            return (last + interval, $"checked at {last:u}; at most one check every {interval.TotalMinutes:0} min (--clamav-interval)");
        }

        return null;
    }

    /// <summary>This state after a check of <paramref name="upstream"/> started at <paramref name="now"/>.</summary>
    public CdnState Checked(Uri upstream, DateTimeOffset now) =>
        this with { Upstream = upstream.AbsoluteUri, LastCheck = now, WaitUntil = null, WaitReason = null };

    /// <summary>This state after upstream asked to wait until <paramref name="until"/>.</summary>
    public CdnState Waiting(DateTimeOffset until, string reason) => this with { WaitUntil = until, WaitReason = reason };
}
