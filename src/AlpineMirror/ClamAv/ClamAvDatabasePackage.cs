using System.Globalization;
using AlpineMirror.Apk;

namespace AlpineMirror.ClamAv;

/// <summary>
/// The served databases as one noarch APK (<c>--clamav-apk</c>): every configured <c>&lt;db&gt;.cvd</c> under
/// <c>var/lib/clamav/</c>, where stations' clamscan and clamd read them, so <c>apk upgrade</c> brings fresh signatures.
/// </summary>
/// <remarks>
/// The version is every database's version joined by dots, <c>daily</c> first, the others in name order, e.g.
/// <c>27850.339.62-r0</c> for daily 27850, bytecode 339 and main 62. No database's version ever goes down, so the
/// version rises whenever any database changes, and equal databases give an equal version: a new package exactly when
/// something is new (apk caches by name and version, so a new main under the same daily must not reuse a version).
/// The build time is the newest database's, so the same databases always give the same bytes.
/// </remarks>
/// <param name="Databases">The served <c>.cvd</c> files, in the order their versions appear in <paramref name="Version"/>.</param>
public sealed record ClamAvDatabasePackage(string Name, string Version, long BuildTime, IReadOnlyList<string> Databases)
{
    /// <summary>Where the files go on a station: ClamAV's default <c>DatabaseDirectory</c>.</summary>
    public const string InstallFolder = "var/lib/clamav";

    private const string VersionFirst = "daily";

    /// <summary>Reads the headers of the served databases (not their bodies) to name the package.</summary>
    /// <returns>null while a configured database has no served <c>.cvd</c> yet.</returns>
    /// <exception cref="ClamAvFormatException">A served <c>.cvd</c> has a malformed header.</exception>
    public static ClamAvDatabasePackage? Read(string name, string servedPath, IReadOnlyList<string> databases)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(databases);
        var ordered = databases.Distinct(StringComparer.Ordinal)
            .OrderBy(database => database != VersionFirst)
            .ThenBy(database => database, StringComparer.Ordinal)
            .Select(database => Path.Combine(servedPath, ClamAvFile.Cvd(database, 0).Name))
            .ToList();
        if (ordered.Count == 0 || !ordered.All(File.Exists))
        {
            return null;
        }

        var headers = ordered.Select(CvdHeader.Read).ToList();
        var version = string.Join('.', headers.Select(header => header.Version.ToString(CultureInfo.InvariantCulture))) + "-r0";
        return new ClamAvDatabasePackage(name, version, headers.Max(header => header.BuildEpoch), ordered);
    }

    /// <summary>
    /// Builds the package signed with <paramref name="key"/>, every database verified again as it is read (MD5 and
    /// ClamAV's signature) and required to still be the version <see cref="Version"/> names.
    /// </summary>
    /// <exception cref="ClamAvFormatException">A database fails verification or changed since <see cref="Read"/>.</exception>
    public BuiltApkPackage Build(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var files = new List<PackageFile>(Databases.Count);
        foreach (var path in Databases)
        {
            // Read once and verified from that copy, so what is packaged is exactly what was verified.
            var content = File.ReadAllBytes(path);
            var header = CvdVerifier.Verify(new MemoryStream(content, writable: false), path);
            var expected = Version.Split('-')[0].Split('.')[files.Count];
            if (header.Version.ToString(CultureInfo.InvariantCulture) != expected)
            {
                throw new ClamAvFormatException(path, $"version: expected {expected} (as the package {Name}-{Version} names it), got {header.Version}; the database changed while it was packaged");
            }

            files.Add(new PackageFile($"{InstallFolder}/{Path.GetFileName(path)}", content));
        }

        return new ApkPackageBuilder(key).Build(new PackageSpec
        {
            Name = Name,
            Version = Version,
            Arch = "noarch",
            Description = $"ClamAV signature databases ({string.Join(", ", Databases.Select(Path.GetFileNameWithoutExtension))}), verified by AlpineMirror",
            Url = "https://www.clamav.net/",
            // ClamAV's databases are distributed under the GPL like ClamAV itself (COPYING in the clamav sources).
            License = "GPL-2.0-only",
            Packager = "AlpineMirror",
            BuildTime = BuildTime,
            Files = files,
        });
    }
}
