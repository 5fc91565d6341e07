using AlpineMirror.Storage;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AlpineMirror.Apk;

/// <summary>Writes a signed APKINDEX.tar.gz the way <c>apk index</c> + <c>abuild-sign</c> do (APK-FORMAT.md §2).</summary>
public sealed class RepositoryWriter
{
    public const string IndexFileName = "APKINDEX.tar.gz";

    private readonly SigningKey? _key;
    private readonly HashAlgorithmName _signatureHash;

    /// <param name="key">The repository key; <c>null</c> writes an unsigned index, as <c>apk index</c> alone does.</param>
    /// <param name="signatureHash">SHA256 (<c>.SIGN.RSA256.</c>, the default), SHA1 (<c>.SIGN.RSA.</c>, what Alpine's indexes use) or SHA512.</param>
    public RepositoryWriter(SigningKey? key, HashAlgorithmName? signatureHash = null)
    {
        _key = key;
        _signatureHash = signatureHash ?? HashAlgorithmName.SHA256;
        key?.SignatureEntryName(_signatureHash);
    }

    /// <summary>
    /// Writes <c>&lt;directory&gt;/APKINDEX.tar.gz</c> atomically and returns its path. Records are sorted by name, then
    /// version; the tar entries' mtime is the newest build time, so the same entries always give the same bytes.
    /// </summary>
    public string WriteIndex(string directory, IEnumerable<ApkIndexEntry> entries, string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(description);
        if (description.AsSpan().IndexOfAny('\n', '\r') >= 0)
        {
            throw new ArgumentException($"DESCRIPTION: expected one line, got '{description}'", nameof(description));
        }

        var sorted = entries.ToList();
        sorted.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : ApkVersion.Compare(a.Version, b.Version);
        });
        RequireUnique(sorted);
        var modified = sorted.Count == 0 ? 0 : sorted.Max(entry => entry.BuildTime);

        using var tar = new TarSegmentBuilder(paxHeaders: false, modified);
        tar.AddFile("DESCRIPTION", Encoding.UTF8.GetBytes(description), PackageFile.RegularMode);
        tar.AddFile("APKINDEX", IndexText(sorted), PackageFile.RegularMode);
        var unsigned = tar.ToGzipMember(cut: false);

        var signature = _key is null ? [] : SignatureSegment.Create(_key, _signatureHash, unsigned, modified);
        var path = Path.Combine(directory, IndexFileName);
        AtomicFile.WriteAllBytes(path, [.. signature, .. unsigned]);
        return path;
    }

    /// <summary>
    /// Indexes every <c>*.apk</c> in <paramref name="directory"/> like <c>apk index</c>, reading each package (see
    /// <see cref="ApkPackageReader.ReadIndexEntry"/>), then writes the index there and returns its records.
    /// </summary>
    /// <param name="rewriteArch">
    /// Replaces every package's A:, as abuild's <c>apk index --rewrite-arch</c> does, so that <c>noarch</c> packages are
    /// fetched from the folder of the repository's architecture.
    /// </param>
    /// <exception cref="ApkFormatException">A file is not a package, or is not named <c>P-V.apk</c> after its .PKGINFO.</exception>
    /// <exception cref="ChecksumMismatchException">A package's data does not match its datahash.</exception>
    public IReadOnlyList<ApkIndexEntry> WriteIndexOfDirectory(string directory, string description, string? rewriteArch = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var entries = new List<ApkIndexEntry>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.apk").Order(StringComparer.Ordinal))
        {
            var entry = ApkPackageReader.ReadIndexEntry(path);
            if (Path.GetFileName(path) != entry.FileName)
            {
                throw new ApkFormatException(path, $"file name: expected {entry.FileName} after its .PKGINFO, got {Path.GetFileName(path)}");
            }

            entries.Add(rewriteArch is null ? entry : entry with { Arch = rewriteArch });
        }

        WriteIndex(directory, entries, description);
        return entries;
    }

    // apk-tools' apk_pkg_write_index_entry() order: C P V A S I T U L o m t c k D p i, then a blank line.
    private static byte[] IndexText(IEnumerable<ApkIndexEntry> entries)
    {
        using var text = new MemoryStream();
        using (var writer = new StreamWriter(text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true))
        {
            writer.NewLine = "\n";
            foreach (var entry in entries)
            {
                void Field(char letter, string value)
                {
                    if (value.Length == 0)
                    {
                        return;
                    }

                    if (value.AsSpan().IndexOfAny('\n', '\r') >= 0)
                    {
                        throw new ArgumentException($"{entry.FileName} {letter}: expected one line, got '{value}'", nameof(entries));
                    }

                    writer.Write(letter);
                    writer.Write(':');
                    writer.WriteLine(value);
                }

                Field('C', entry.Checksum);
                Field('P', entry.Name);
                Field('V', entry.Version);
                Field('A', entry.Arch);
                Field('S', entry.Size.ToString(CultureInfo.InvariantCulture));
                Field('I', entry.InstalledSize.ToString(CultureInfo.InvariantCulture));
                Field('T', entry.Description);
                Field('U', entry.Url);
                Field('L', entry.License);
                Field('o', entry.Origin);
                Field('m', entry.Maintainer);
                Field('t', entry.BuildTime == 0 ? "" : entry.BuildTime.ToString(CultureInfo.InvariantCulture));
                Field('c', entry.Commit);
                Field('k', entry.ProviderPriority?.ToString(CultureInfo.InvariantCulture) ?? "");
                Field('D', string.Join(' ', entry.Depends));
                Field('p', string.Join(' ', entry.Provides));
                Field('i', string.Join(' ', entry.InstallIf));
                writer.WriteLine();
            }
        }

        return text.ToArray();
    }

    private static void RequireUnique(List<ApkIndexEntry> sorted)
    {
        for (var i = 0; i < sorted.Count; i++)
        {
            var entry = sorted[i];
            if (entry.Checksum.Length == 0 || entry.Name.Length == 0 || entry.Version.Length == 0)
            {
                throw new ArgumentException($"{entry.FileName}: C:, P: and V: must not be empty", "entries");
            }

            if (i > 0 && sorted[i - 1].Name == entry.Name && sorted[i - 1].Version == entry.Version)
            {
                throw new ArgumentException($"{entry.FileName}: listed twice in one index", "entries");
            }
        }
    }
}
