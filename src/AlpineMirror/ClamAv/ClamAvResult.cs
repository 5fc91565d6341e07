using System.Text.Json.Serialization;

namespace AlpineMirror.ClamAv;

/// <summary>What an Antivirus run did: the plan, each database's outcome, what it cost, and when upstream may be asked next.</summary>
/// <param name="NextCheck">When upstream may next be asked (the interval, or a wait upstream imposed); null: any time.</param>
/// <param name="WaitReason">Why this run did not ask upstream, or stopped asking; null when it checked normally.</param>
public sealed record ClamAvResult(
    ClamAvPlan Plan,
    IReadOnlyList<DatabaseResult> Databases,
    int Requests,
    long BytesDownloaded,
    DateTimeOffset? NextCheck,
    string? WaitReason,
    TimeSpan Duration)
{
    /// <summary>The verification failures behind <see cref="DatabaseResult.Error"/>, to rethrow once the report is set.</summary>
    [JsonIgnore]
    public IReadOnlyList<IntegrityException> Failures { get; init; } = [];

    /// <summary>Throws the first verification failure, so the run exits 3 after the databases that verified were published.</summary>
    public void ThrowIfFailed()
    {
        if (Failures.Count > 0)
        {
            throw Failures[0];
        }
    }
}
