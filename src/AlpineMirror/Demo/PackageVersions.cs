using System.Globalization;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;

namespace AlpineMirror.Demo;

/// <summary>How versions move between point releases: package revisions, upstream versions, release numbers.</summary>
internal static partial class PackageVersions
{
    /// <summary><c>1.34.1-r5</c> → <c>1.34.1-r6</c>: the same upstream version rebuilt or patched.</summary>
    public static string NextRevision(string version)
    {
        var match = Revision().Match(version);
        if (!match.Success)
        {
            throw new ArgumentException($"package version: expected <version>-r<N>, got '{version}'", nameof(version));
        }

        var revision = long.Parse(match.Groups["revision"].Value, CultureInfo.InvariantCulture);
        return $"{match.Groups["base"].Value}-r{revision + 1}";
    }

    /// <summary><c>5.15.40-r3</c> → <c>5.15.41-r0</c>: a new upstream version, as a kernel point release brings.</summary>
    public static string NextUpstreamVersion(string version)
    {
        var match = Revision().Match(version);
        if (!match.Success)
        {
            throw new ArgumentException($"package version: expected <version>-r<N>, got '{version}'", nameof(version));
        }

        return IncrementLastNumber(match.Groups["base"].Value, "package version") + "-r0";
    }

    /// <summary><c>3.15.4</c> → <c>3.15.5</c>.</summary>
    public static string NextPointRelease(string release) => IncrementLastNumber(release, "release version");

    /// <summary>
    /// The kernel release string of a linux-&lt;flavor&gt; package, as <c>uname -r</c> prints it and as
    /// <c>/lib/modules/</c> and the netboot files name it: <c>5.15.40-r0</c>, <c>lts</c> → <c>5.15.40-0-lts</c>.
    /// </summary>
    public static string KernelRelease(string packageVersion, string flavor)
    {
        var match = Revision().Match(packageVersion);
        if (!match.Success)
        {
            throw new ArgumentException($"kernel package version: expected <version>-r<N>, got '{packageVersion}'", nameof(packageVersion));
        }

        return $"{match.Groups["base"].Value}-{match.Groups["revision"].Value}-{flavor}";
    }

    private static string IncrementLastNumber(string version, string field)
    {
        var match = LastNumber().Match(version);
        if (!match.Success || !ApkVersion.IsValid(version))
        {
            throw new ArgumentException($"{field}: expected a version ending in a number such as 3.15.4, got '{version}'", nameof(version));
        }

        var number = long.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture);
        return $"{match.Groups["prefix"].Value}{number + 1}";
    }

    [GeneratedRegex(@"\A(?<base>.+)-r(?<revision>[0-9]+)\z")]
    private static partial Regex Revision();

    [GeneratedRegex(@"\A(?<prefix>.*\.)(?<number>[0-9]+)\z")]
    private static partial Regex LastNumber();
}
