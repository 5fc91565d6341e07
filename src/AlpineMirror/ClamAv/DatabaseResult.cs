namespace AlpineMirror.ClamAv;

/// <summary>What an Antivirus run did to one database.</summary>
/// <param name="From">The version served before the run; null when there was none.</param>
/// <param name="To">The version served after the run.</param>
/// <param name="Published">File names published, in order.</param>
/// <param name="Removed">Old patches and signatures dropped by retention.</param>
/// <param name="Note">Something worth knowing that is not an error (old patches gone upstream, upstream behind).</param>
/// <param name="Error">Why nothing of this database was published, or null.</param>
public sealed record DatabaseResult(
    string Database, int? From, int? To, IReadOnlyList<string> Published, IReadOnlyList<string> Removed, string? Note, string? Error)
{
    public static DatabaseResult Unchanged(DatabasePlan plan) =>
        new(plan.Database, plan.MirrorVersion, plan.MirrorVersion, [], [], plan.Note, null);

    public static DatabaseResult Failed(DatabasePlan plan, Exception error) =>
        new(plan.Database, plan.MirrorVersion, plan.MirrorVersion, [], [], plan.Note, error.Message);
}
