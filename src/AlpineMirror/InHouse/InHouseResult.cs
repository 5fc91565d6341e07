namespace AlpineMirror.InHouse;

/// <summary>What an in-house step did or, for Plan, would do: per arch the versions gained and lost, for the run report.</summary>
/// <param name="Action">plan, update, publish, withdraw or restore.</param>
/// <param name="Published">Whether an index was (re)written; false for a plan or when nothing changed.</param>
/// <param name="SkippedWithdrawn">Versions a source still offers that stay out because they were withdrawn.</param>
public sealed record InHouseResult(
    string Action, string Repository, bool Published, IReadOnlyList<InHouseArchResult> Archs, IReadOnlyList<string> SkippedWithdrawn)
{
    public int Added => Archs.Sum(arch => arch.Added.Count);

    public int Removed => Archs.Sum(arch => arch.Removed.Count);

    public static InHouseResult From(string action, InHousePlan plan, bool published) =>
        new(action, plan.Repository, published,
            [.. plan.Archs.Select(arch => new InHouseArchResult(
                arch.Arch, arch.Listed.Count, [.. arch.Added.Select(p => p.Id)], [.. arch.Removed.Select(e => $"{e.Name}-{e.Version}")]))],
            plan.SkippedWithdrawn);

    /// <summary>One line for logs and the Markdown summary, e.g. <c>panoptiscan: x86_64 +1 −0 (4 listed), aarch64 …</c>.</summary>
    public string Summary() =>
        $"{Repository}: {string.Join(", ", Archs.Select(a => $"{a.Arch} +{a.Added.Count} −{a.Removed.Count} ({a.Listed} listed)"))}"
        + (SkippedWithdrawn.Count == 0 ? "" : $"; withdrawn, left out: {string.Join(", ", SkippedWithdrawn)}");
}
