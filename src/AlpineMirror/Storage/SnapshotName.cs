using System.Text.RegularExpressions;
using NuGet.Versioning;

namespace AlpineMirror.Storage;

/// <summary>
/// Snapshot folder names: the point release (3.15.5), and for later updates of the same point release
/// a fourth component (3.15.5.1, 3.15.5.2), ordered numerically by NuGet.Versioning (DESIGN.md §2).
/// </summary>
public static partial class SnapshotName
{
    public static bool IsValid(string name) => Pattern().IsMatch(name);

    public static NuGetVersion Parse(string name) =>
        IsValid(name) ? NuGetVersion.Parse(name) : throw new FormatException($"'{name}' is not a snapshot name like 3.15.5");

    /// <summary>Orders names as versions, so 3.15.10 comes after 3.15.9 and 3.15.5.1 after 3.15.5.</summary>
    public static IComparer<string> Comparer { get; } =
        Comparer<string>.Create((a, b) => VersionComparer.Version.Compare(Parse(a), Parse(b)));

    /// <summary>
    /// The name for a new snapshot of <paramref name="release"/>: the release itself when no snapshot of it
    /// exists yet, else the release with the next free fourth component.
    /// </summary>
    public static string Next(string release, IEnumerable<string> existing)
    {
        var releaseVersion = Parse(release);
        var highestRevision = existing
            .Where(IsValid)
            .Select(NuGetVersion.Parse)
            .Where(v => v.Major == releaseVersion.Major && v.Minor == releaseVersion.Minor && v.Patch == releaseVersion.Patch)
            .Select(v => (int?)v.Revision)
            .Max();
        return highestRevision is null ? release : $"{release}.{highestRevision + 1}";
    }

    // ASCII digits only (\d also matches Arabic-Indic and other digits NuGet.Versioning cannot parse), and \z: '$'
    // also matches before a trailing newline.
    [GeneratedRegex(@"\A(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8})){2,3}\z")]
    private static partial Regex Pattern();
}
