using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Apk;

namespace AlpineMirror.Demo;

/// <summary>Derives the next point release from a previous one: packages updated, removed and added.</summary>
internal static class ReleaseChanges
{
    private static readonly TimeSpan ReleaseInterval = TimeSpan.FromDays(30);

    /// <summary>Packages a point release always brings new versions of (DESIGN.md §1).</summary>
    private static readonly IReadOnlyList<string> BootPackages = ["linux-lts", "linux-virt", "xen", "xen-hypervisor"];

    /// <summary>The changes <see cref="UpstreamRelease.WithChanges"/> describes, chosen by <paramref name="seed"/>.</summary>
    public static UpstreamRelease Random(UpstreamRelease previous, double updatedShare, int seed)
    {
        ArgumentNullException.ThrowIfNull(previous);
        if (!(updatedShare is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(updatedShare), updatedShare, "expected a share between 0 and 1");
        }

        var releasedAt = previous.ReleasedAt + ReleaseInterval;
        var buildTime = BuildTimeBefore(releasedAt);
        var taken = previous.Repositories.Values.SelectMany(packages => packages).Select(package => package.Name)
            .ToHashSet(StringComparer.Ordinal);
        var repositories = new Dictionary<string, IReadOnlyList<PackageSpec>>(StringComparer.Ordinal);
        foreach (var (repository, packages) in previous.Repositories.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var random = new SeededRandom(seed, $"changes {previous.Version} {repository}");
            bool IsBoot(int index) => updatedShare > 0 && BootPackages.Contains(packages[index].Name);
            var boot = Enumerable.Range(0, packages.Count).Count(IsBoot);
            var updated = Math.Max(boot, (int)Math.Round(updatedShare * packages.Count, MidpointRounding.AwayFromZero));
            var replaced = Math.Min(
                (int)Math.Round(updatedShare * packages.Count / 10, MidpointRounding.AwayFromZero),
                packages.Count - updated);

            // Boot packages first, then the others in a seeded order.
            var order = random.Permutation(packages.Count).OrderBy(index => IsBoot(index) ? 0 : 1).ToList();
            var updates = order.Take(updated).ToHashSet();
            var removals = order.Skip(updated).Take(replaced).ToHashSet();

            var next = new List<PackageSpec>(packages.Count);
            for (var i = 0; i < packages.Count; i++)
            {
                var package = packages[i];
                if (removals.Contains(i))
                {
                    continue;
                }

                next.Add(!updates.Contains(i)
                    ? package
                    : Rebuild(package, BootPackages.Contains(package.Name)
                        ? PackageVersions.NextUpstreamVersion(package.Version)
                        : PackageVersions.NextRevision(package.Version), buildTime));
            }

            var installedBytes = packages.Count == 0 ? 0 : (int)packages.Average(InstalledBytes);
            for (var i = 0; i < replaced; i++)
            {
                var name = SyntheticPackages.NewName(random, taken);
                next.Add(SyntheticPackages.Create(random, name, previous.Arch, installedBytes, buildTime));
            }

            repositories.Add(repository, next);
        }

        return previous with
        {
            Version = PackageVersions.NextPointRelease(previous.Version),
            ReleasedAt = releasedAt,
            Repositories = repositories,
        };
    }

    /// <summary>
    /// Explicit changes, as the demo release names them: <paramref name="newVersions"/> (name → version) rebuilt,
    /// <paramref name="removed"/> dropped, <paramref name="added"/> (repository → packages) appended.
    /// </summary>
    public static UpstreamRelease Apply(UpstreamRelease previous, string version, DateTimeOffset releasedAt,
        IReadOnlyDictionary<string, string> newVersions, IReadOnlyCollection<string> removed,
        IReadOnlyDictionary<string, IReadOnlyList<PackageSpec>> added)
    {
        var buildTime = BuildTimeBefore(releasedAt);
        var repositories = previous.Repositories.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlyList<PackageSpec>)
            [
                .. pair.Value
                    .Where(package => !removed.Contains(package.Name))
                    .Select(package => newVersions.TryGetValue(package.Name, out var newVersion)
                        ? Rebuild(package, newVersion, buildTime)
                        : package),
                .. added.GetValueOrDefault(pair.Key, []),
            ],
            StringComparer.Ordinal);
        return previous with { Version = version, ReleasedAt = releasedAt, Repositories = repositories };
    }

    /// <summary>The same package at <paramref name="version"/>, with new content of about the same size.</summary>
    public static PackageSpec Rebuild(PackageSpec package, string version, long buildTime) => package with
    {
        Version = version,
        BuildTime = buildTime,
        Commit = AportsCommit(package.Origin ?? package.Name, version),
        Files = PackageContent.Files(package.Name, version, package.Arch, InstalledBytes(package)),
    };

    /// <summary>A stand-in for the aports commit that built a package: 40 hex digits derived from origin and version.</summary>
    public static string AportsCommit(string origin, string version) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{origin} {version}")));

    /// <summary>Packages of a point release are built a day before its images.</summary>
    public static long BuildTimeBefore(DateTimeOffset releasedAt) => (releasedAt - TimeSpan.FromDays(1)).ToUnixTimeSeconds();

    private static int InstalledBytes(PackageSpec package) => package.Files.Sum(file => file.Content.Length);
}
