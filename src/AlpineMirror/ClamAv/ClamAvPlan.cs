namespace AlpineMirror.ClamAv;

/// <summary>What an Antivirus run does: per database, versions and files; or why upstream is not asked now.</summary>
/// <param name="NextCheck">When upstream may be asked again, when it may not be asked now; the plan is then empty.</param>
/// <param name="Notes">What the operator should know: a DNS lookup that failed, a database upstream is behind on.</param>
public sealed record ClamAvPlan(
    Uri Upstream, IReadOnlyList<DatabasePlan> Databases, DateTimeOffset? NextCheck, string? WaitReason, IReadOnlyList<string> Notes)
{
    public bool HasChanges => Databases.Any(d => d.HasChanges);

    public static ClamAvPlan Waiting(Uri upstream, DateTimeOffset until, string reason) => new(upstream, [], until, reason, []);
}
