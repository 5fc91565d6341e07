using AlpineMirror.Apk;

namespace AlpineMirror.InHouse;

/// <summary>
/// The in-house repository a run would publish, as a value: per arch, the published records merged with what the
/// sources offer, withdrawn versions left out, and the newest <c>keep</c> versions of each name kept.
/// </summary>
public sealed record InHousePlan(string Repository, IReadOnlyList<InHouseArchPlan> Archs, IReadOnlyList<string> SkippedWithdrawn)
{
    public bool HasChanges => Archs.Any(arch => arch.HasChanges);

    /// <summary>Merges <paramref name="published"/> with <paramref name="offered"/>, one arch at a time.</summary>
    /// <exception cref="InHouseException">Two packages share a name and version but not their content (C:).</exception>
    public static InHousePlan Create(
        string repository,
        IReadOnlyList<string> archs,
        IReadOnlyDictionary<string, IReadOnlyList<ApkIndexEntry>> published,
        IReadOnlyList<InHousePackage> offered,
        Func<string, string, bool> isWithdrawn,
        int keep,
        Func<string, bool> indexExists)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var skipped = new SortedSet<string>(StringComparer.Ordinal);
        var plans = new List<InHouseArchPlan>();
        foreach (var arch in archs)
        {
            var byId = new Dictionary<string, (InHousePackage Package, bool Published)>(StringComparer.Ordinal);
            foreach (var entry in published[arch])
            {
                byId[$"{entry.Name}-{entry.Version}"] = (new InHousePackage(entry, $"{repository}/{arch}/{entry.FileName}", null), true);
            }

            foreach (var package in offered.Where(p => p.BelongsTo(arch)))
            {
                if (isWithdrawn(package.Entry.Name, package.Entry.Version))
                {
                    skipped.Add(package.Id);
                    continue;
                }

                if (!byId.TryGetValue(package.Id, out var known))
                {
                    byId[package.Id] = (package, false);
                }
                else if (known.Package.Entry.Checksum != package.Entry.Checksum)
                {
                    // apk caches by name and version: a second build under the same name would never reach a station that has the first.
                    throw new InHouseException(package.Source,
                        $"{package.Id}: C: expected {known.Package.Entry.Checksum} (as {known.Package.Source} has it), got {package.Entry.Checksum}; a new build needs a new version or -r revision");
                }
            }

            var listed = byId.Values
                .Where(item => !isWithdrawn(item.Package.Entry.Name, item.Package.Entry.Version))
                .GroupBy(item => item.Package.Entry.Name, StringComparer.Ordinal)
                .SelectMany(versions => versions.OrderByDescending(item => item.Package.Entry.Version, Comparer<string>.Create(ApkVersion.Compare)).Take(keep))
                .OrderBy(item => item.Package.Entry.Name, StringComparer.Ordinal)
                .ThenBy(item => item.Package.Entry.Version, Comparer<string>.Create(ApkVersion.Compare))
                .ToList();
            var kept = listed.Select(item => item.Package.Id).ToHashSet(StringComparer.Ordinal);
            plans.Add(new InHouseArchPlan(
                arch,
                [.. listed.Select(item => item.Package)],
                [.. listed.Where(item => !item.Published).Select(item => item.Package)],
                [.. published[arch].Where(entry => !kept.Contains($"{entry.Name}-{entry.Version}"))],
                !indexExists(arch)));
        }

        return new InHousePlan(repository, plans, [.. skipped]);
    }
}
