using System.Globalization;
using System.Text.RegularExpressions;

namespace AlpineMirror.ClamAv;

/// <summary>What a served file is: a whole database, a patch, or the ClamAV 1.5 signature of either.</summary>
public enum ClamAvFileKind
{
    Cvd,
    Cdiff,
    CvdSign,
    CdiffSign,
}

/// <summary>
/// One file freshclam asks a mirror for (CLAMAV-FORMAT.md §1): <c>daily.cvd</c>, <c>daily-27431.cdiff</c>,
/// <c>daily-27431.cvd.sign</c>, <c>daily-27431.cdiff.sign</c>.
/// </summary>
public sealed partial record ClamAvFile(string Database, ClamAvFileKind Kind, int Version)
{
    public string Name => Kind switch
    {
        ClamAvFileKind.Cvd => $"{Database}.cvd",
        ClamAvFileKind.Cdiff => $"{Database}-{Version}.cdiff",
        ClamAvFileKind.CvdSign => $"{Database}-{Version}.cvd.sign",
        _ => $"{Database}-{Version}.cdiff.sign",
    };

    public static ClamAvFile Cvd(string database, int version) => new(database, ClamAvFileKind.Cvd, version);

    public static ClamAvFile Cdiff(string database, int version) => new(database, ClamAvFileKind.Cdiff, version);

    public bool IsSign => Kind is ClamAvFileKind.CvdSign or ClamAvFileKind.CdiffSign;

    /// <summary>The <c>.sign</c> file of a database or patch.</summary>
    public ClamAvFile SignFile() => Kind switch
    {
        ClamAvFileKind.Cvd => this with { Kind = ClamAvFileKind.CvdSign },
        ClamAvFileKind.Cdiff => this with { Kind = ClamAvFileKind.CdiffSign },
        _ => throw new InvalidOperationException($"{Name} is a signature already"),
    };

    /// <summary>The versioned files of <paramref name="database"/> in a folder listing (the <c>.cvd</c> itself has no version in its name).</summary>
    public static ClamAvFile? ParseVersioned(string database, string fileName)
    {
        var match = VersionedName().Match(fileName);
        if (!match.Success || match.Groups["db"].Value != database
            || !int.TryParse(match.Groups["version"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return null;
        }

        var kind = match.Groups["ext"].Value switch
        {
            ".cdiff" => ClamAvFileKind.Cdiff,
            ".cdiff.sign" => ClamAvFileKind.CdiffSign,
            _ => ClamAvFileKind.CvdSign,
        };
        return new ClamAvFile(database, kind, version);
    }

    public override string ToString() => Name;

    [GeneratedRegex(@"^(?<db>[a-z0-9_]+)-(?<version>[0-9]{1,9})(?<ext>\.cdiff|\.cdiff\.sign|\.cvd\.sign)$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedName();
}
