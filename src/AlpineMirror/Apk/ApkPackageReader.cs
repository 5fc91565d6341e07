using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AlpineMirror.Apk;

/// <summary>Reads an .apk file into the APKINDEX record <c>apk index</c> would write for it (APK-FORMAT.md §1.2–1.4).</summary>
public static class ApkPackageReader
{
    private const int InitialHeadLength = 64 * 1024;
    // Control members hold .PKGINFO and install scripts, a few kilobytes; the cap bounds memory on odd input.
    private const int MaxHeadLength = 16 * 1024 * 1024;
    private const string PackageInfoName = ".PKGINFO";

    /// <summary>
    /// Computes C: from the raw control member and S: from the file length, takes the other fields from .PKGINFO, and
    /// checks <c>datahash</c> against the data member, streaming it. Indexing a package lends it the index's signature,
    /// so a package whose data does not match its own control member is refused.
    /// </summary>
    /// <exception cref="ApkFormatException">The file is not a v2 package with <c>datahash</c>.</exception>
    /// <exception cref="ChecksumMismatchException">The data member does not match <c>datahash</c>.</exception>
    public static ApkIndexEntry ReadIndexEntry(string path) => Read(path, signers: null);

    /// <summary>
    /// Like <see cref="ReadIndexEntry(string)"/>, and first requires the package's own <c>.SIGN.*</c> over the raw control
    /// member to verify with one of <paramref name="signers"/>: how a package that no signed index vouches for yet is
    /// trusted (abuild-sign's signature, APK-FORMAT.md §1.3).
    /// </summary>
    /// <exception cref="SignatureException">The package is unsigned, or no signature by a trusted key verifies.</exception>
    /// <exception cref="ApkFormatException">The file is not a v2 package with <c>datahash</c>.</exception>
    /// <exception cref="ChecksumMismatchException">The data member does not match <c>datahash</c>.</exception>
    public static ApkIndexEntry ReadSignedIndexEntry(string path, TrustedKeys signers)
    {
        ArgumentNullException.ThrowIfNull(signers);
        return Read(path, signers);
    }

    private static ApkIndexEntry Read(string path, TrustedKeys? signers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var file = File.OpenRead(path);
        var head = new byte[InitialHeadLength];
        var length = 0;
        GzipMemberRange control;
        MemoryStream controlTar;
        IReadOnlyList<ApkSignature> signatures;
        while (true)
        {
            var read = file.ReadAtLeast(head.AsSpan(length), head.Length - length, throwOnEndOfStream: false);
            length += read;
            if (TryFindControl(head.AsSpan(0, length), path, atEnd: length < head.Length, out control, out controlTar, out signatures))
            {
                break;
            }

            if (head.Length >= MaxHeadLength)
            {
                throw new ApkFormatException(path, $"no complete control member in the first {MaxHeadLength} bytes");
            }

            Array.Resize(ref head, head.Length * 2);
        }

        // The signature is checked before anything the control member says is believed.
        signers?.VerifyAny(signatures, head.AsSpan(control.Offset, control.Length), path);
        PackageInfo info;
        using (controlTar)
        {
            info = ReadPackageInfo(controlTar, path);
        }

        using var dataHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        dataHash.AppendData(head, control.End, length - control.End);
        var buffer = new byte[81920];
        int chunk;
        while ((chunk = file.Read(buffer)) > 0)
        {
            dataHash.AppendData(buffer, 0, chunk);
        }

        var actual = Convert.ToHexStringLower(dataHash.GetHashAndReset());
        if (actual != info.DataHash)
        {
            throw new ChecksumMismatchException(path, "datahash", info.DataHash, actual);
        }

        return info.ToEntry(
            ApkChecksum.FormatSha1(SHA1.HashData(head.AsSpan(control.Offset, control.Length))),
            file.Length);
    }

    // The control member is the first one unless that one holds .SIGN.* entries (an unsigned package has none).
    private static bool TryFindControl(
        ReadOnlySpan<byte> head, string path, bool atEnd, out GzipMemberRange control, out MemoryStream controlTar, out IReadOnlyList<ApkSignature> signatures)
    {
        controlTar = new MemoryStream();
        signatures = [];
        if (!TryReadMember(head, 0, path, atEnd, controlTar, out var first))
        {
            control = default;
            return false;
        }

        controlTar.Position = 0;
        signatures = ApkSignatureReader.Read(controlTar, path);
        if (signatures.Count == 0)
        {
            controlTar.Position = 0;
            control = first;
            return true;
        }

        controlTar.SetLength(0);
        if (!TryReadMember(head, first.End, path, atEnd, controlTar, out control))
        {
            return false;
        }

        controlTar.Position = 0;
        return true;
    }

    private static bool TryReadMember(ReadOnlySpan<byte> head, int offset, string path, bool atEnd, MemoryStream content, out GzipMemberRange member)
    {
        if (offset == head.Length && atEnd)
        {
            throw new ApkFormatException(path, $"the file ends at offset {offset}, before the control member");
        }

        if (atEnd)
        {
            member = GzipMembers.ReadMember(head, offset, path, content, MaxHeadLength);
            return true;
        }

        return GzipMembers.TryReadMember(head, offset, path, out member, content, MaxHeadLength);
    }

    private static PackageInfo ReadPackageInfo(Stream controlTar, string path)
    {
        try
        {
            using var reader = new TarReader(controlTar, leaveOpen: true);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.Name == PackageInfoName && entry.DataStream is not null)
                {
                    using var text = new StreamReader(entry.DataStream, Encoding.UTF8, false, leaveOpen: true);
                    return PackageInfo.Parse(text, path);
                }
            }
        }
        catch (Exception error) when (MalformedTar.Is(error))
        {
            throw new ApkFormatException(path, $"malformed control tar: {MalformedTar.Describe(error)}", error);
        }

        throw new ApkFormatException(path, "the control member has no .PKGINFO");
    }

    /// <summary>The .PKGINFO keys that map to index fields (AT2 package.c 858-879).</summary>
    private sealed class PackageInfo
    {
        private readonly Dictionary<string, string> _single = new(StringComparer.Ordinal);
        private readonly List<string> _depends = [];
        private readonly List<string> _provides = [];
        private readonly string _path;

        private PackageInfo(string path) => _path = path;

        public string DataHash => _single.GetValueOrDefault("datahash", "");

        public static PackageInfo Parse(TextReader reader, string path)
        {
            var info = new PackageInfo(path);
            while (reader.ReadLine() is { } line)
            {
                var separator = line.IndexOf(" = ", StringComparison.Ordinal);
                if (line.StartsWith('#') || separator < 0)
                {
                    continue;
                }

                var (key, value) = (line[..separator], line[(separator + 3)..]);
                switch (key)
                {
                    case "depend":
                        info._depends.Add(value);
                        break;
                    case "provides":
                        info._provides.Add(value);
                        break;
                    default:
                        info._single[key] = value;
                        break;
                }
            }

            foreach (var required in new[] { "pkgname", "pkgver", "arch" })
            {
                if (!info._single.ContainsKey(required))
                {
                    throw new ApkFormatException(path, $".PKGINFO {required}: expected a value, got none");
                }
            }

            if (info.DataHash.Length != 64 || info.DataHash.AsSpan().ContainsAnyExcept("0123456789abcdef"))
            {
                throw new ApkFormatException(path,
                    $".PKGINFO datahash: expected 64 lowercase hex digits, got '{info.DataHash}' (apk-tools 3 refuses to index such packages)");
            }

            return info;
        }

        public ApkIndexEntry ToEntry(string checksum, long size) => new()
        {
            Checksum = checksum,
            Name = _single["pkgname"],
            Version = _single["pkgver"],
            Arch = _single["arch"],
            Size = size,
            InstalledSize = Number("size") ?? 0,
            Description = _single.GetValueOrDefault("pkgdesc", ""),
            Url = _single.GetValueOrDefault("url", ""),
            License = _single.GetValueOrDefault("license", ""),
            Origin = _single.GetValueOrDefault("origin", ""),
            Maintainer = _single.GetValueOrDefault("maintainer", ""),
            BuildTime = Number("builddate") ?? 0,
            Commit = _single.GetValueOrDefault("commit", ""),
            ProviderPriority = SmallNumber("provider_priority"),
            Depends = [.. _depends],
            Provides = [.. _provides],
            InstallIf = _single.GetValueOrDefault("install_if", "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        };

        private long? Number(string key) =>
            Parse<long>(key, static text => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null);

        private int? SmallNumber(string key) =>
            Parse<int>(key, static text => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null);

        private T? Parse<T>(string key, Func<string, T?> parse) where T : struct
        {
            if (!_single.TryGetValue(key, out var text))
            {
                return null;
            }

            return parse(text) ?? throw new ApkFormatException(_path, $".PKGINFO {key}: expected a number, got '{text}'");
        }
    }
}
