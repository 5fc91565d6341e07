using AlpineMirror.Apk;

namespace AlpineMirror.Demo;

/// <summary>Makes realistic Alpine point releases to serve as a local upstream: a small demo distribution, or large synthetic ones.</summary>
public static class UpstreamGenerator
{
    /// <summary>The branch of every generated release.</summary>
    public const string Branch = "v3.15";

    /// <summary>The architecture of every generated release.</summary>
    public const string Arch = "x86_64";

    /// <summary>The smallest and largest package sizes <see cref="Synthetic"/> accepts.</summary>
    public const int MinPackageBytes = 2048, MaxPackageBytes = PackageContent.MaxNoiseBytes;

    // What a signed package adds to its files: signature, control and data tar headers, gzip framing.
    private const int PackageOverheadBytes = 1400;

    private static readonly DateTimeOffset FirstReleaseDate = new(2022, 4, 4, 15, 41, 23, TimeSpan.Zero);

    /// <summary>
    /// Two point releases of a small distribution (24 packages in main, 10 in community): 3.15.4, and 3.15.5 in which
    /// linux-lts and linux-virt (5.15.40-r0 → 5.15.41-r0), xen and xen-hypervisor (4.15.2-r0 → 4.15.2-r1), and
    /// openssl with its libcrypto1.1 and libssl1.1 (1.1.1n-r0 → 1.1.1o-r0) are updated, community/neofetch is removed
    /// and community/btop added. The content is the same on every call.
    /// </summary>
    public static (UpstreamRelease First, UpstreamRelease Second) Demo()
    {
        var first = new UpstreamRelease
        {
            Branch = Branch,
            Version = "3.15.4",
            Arch = Arch,
            ReleasedAt = FirstReleaseDate,
            Repositories = DemoPackages.FirstRelease(Arch, ReleaseChanges.BuildTimeBefore(FirstReleaseDate)),
        };
        var secondDate = new DateTimeOffset(2022, 7, 19, 9, 20, 11, TimeSpan.Zero);
        var second = ReleaseChanges.Apply(first, "3.15.5", secondDate,
            DemoPackages.SecondReleaseVersions, DemoPackages.SecondReleaseRemoved,
            DemoPackages.SecondReleaseAdded(Arch, ReleaseChanges.BuildTimeBefore(secondDate)));
        return (first, second);
    }

    /// <summary>
    /// Release 3.15.4 with <paramref name="packageCount"/> packages of about <paramref name="approxPackageBytes"/> each
    /// (the .apk file size): a quarter in main, starting with linux-lts, linux-virt, xen and xen-hypervisor, the rest in
    /// community. Payloads are incompressible, so sizes stay close to the request. The same arguments give the same release.
    /// </summary>
    public static UpstreamRelease Synthetic(int packageCount, int approxPackageBytes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packageCount, DemoPackages.BootPackages.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(approxPackageBytes, MinPackageBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(approxPackageBytes, MaxPackageBytes);

        var installedBytes = approxPackageBytes - PackageOverheadBytes;
        var buildTime = ReleaseChanges.BuildTimeBefore(FirstReleaseDate);
        var random = new SeededRandom(seed, "synthetic");
        var taken = new HashSet<string>(DemoPackages.BootPackages.Select(boot => boot.Name), StringComparer.Ordinal);
        var mainCount = Math.Max(DemoPackages.BootPackages.Count, packageCount / 4);

        var main = new List<PackageSpec>(mainCount);
        main.AddRange(DemoPackages.BootPackages.Select(boot =>
            SyntheticPackages.Create(boot.Name, boot.Version, Arch, installedBytes, buildTime, boot.Description, "GPL-2.0-only", boot.Origin)));
        var community = new List<PackageSpec>(packageCount - mainCount);
        for (var i = main.Count; i < packageCount; i++)
        {
            var package = SyntheticPackages.Create(random, SyntheticPackages.NewName(random, taken), Arch, installedBytes, buildTime);
            (i < mainCount ? main : community).Add(package);
        }

        return new UpstreamRelease
        {
            Branch = Branch,
            Version = "3.15.4",
            Arch = Arch,
            ReleasedAt = FirstReleaseDate,
            Repositories = new Dictionary<string, IReadOnlyList<PackageSpec>>(StringComparer.Ordinal)
            {
                ["main"] = main,
                ["community"] = community,
            },
        };
    }
}
