using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace AlpineMirror.Apk;

/// <summary>
/// Builds one gzip member of an .apk or APKINDEX.tar.gz: a root-owned tar, either terminated or "cut"
/// (without the end-of-archive blocks, like <c>abuild-tar --cut</c>), compressed like <c>gzip -n -9</c>.
/// </summary>
internal sealed class TarSegmentBuilder : IDisposable
{
    /// <summary>What TarWriter.Dispose appends: two zero blocks, no padding to a 10 KiB record (checked by tests).</summary>
    internal const int EndOfArchiveLength = 2 * BlockSize;

    private const int BlockSize = 512;
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101;

    private readonly MemoryStream _tar;
    private readonly TarWriter _writer;
    private readonly bool _paxHeaders;
    private readonly DateTimeOffset _modified;
    private bool _finished;

    /// <param name="paxHeaders">
    /// Precede every entry with a pax 'x' header as abuild's apk_tar does (<c>ctime=0</c>, <c>atime=0</c>, plus extra
    /// records such as <c>APK-TOOLS.checksum.SHA1</c>); otherwise write plain GNU entries as <c>apk index</c> does.
    /// </param>
    /// <param name="modifiedUnixTime">The mtime of every entry; a fixed value keeps the output reproducible.</param>
    /// <param name="expectedBytes">About how much content the entries carry, so large packages never grow the buffer by doubling.</param>
    public TarSegmentBuilder(bool paxHeaders, long modifiedUnixTime, long expectedBytes = 0)
    {
        _tar = new MemoryStream((int)Math.Min(expectedBytes, Array.MaxLength));
        _paxHeaders = paxHeaders;
        _modified = DateTimeOffset.FromUnixTimeSeconds(modifiedUnixTime);
        // The pax headers are written here rather than by TarEntryFormat.Pax because TarWriter names them
        // "PaxHeaders.<process id>", which would make identical packages differ from one run to the next.
        _writer = new TarWriter(_tar, paxHeaders ? TarEntryFormat.Ustar : TarEntryFormat.Gnu, leaveOpen: true);
    }

    public void AddDirectory(string name)
    {
        var directoryName = name.EndsWith('/') ? name : name + "/";
        WritePaxHeader(directoryName, []);
        WriteEntry(TarEntryType.Directory, directoryName, DirectoryMode, null);
    }

    public void AddFile(string name, ReadOnlyMemory<byte> content, UnixFileMode mode,
        IReadOnlyList<KeyValuePair<string, string>>? paxRecords = null)
    {
        WritePaxHeader(name, paxRecords ?? []);
        WriteEntry(TarEntryType.RegularFile, name, mode, content);
    }

    /// <summary>The gzip member holding the tar; <paramref name="cut"/> drops the end-of-archive blocks.</summary>
    public byte[] ToGzipMember(bool cut)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        var entriesLength = _tar.Length;
        _writer.Dispose();
        _finished = true;
        if (_tar.Length != entriesLength + EndOfArchiveLength)
        {
            throw new InvalidOperationException(
                $"TarWriter end of archive: expected {EndOfArchiveLength} bytes, got {_tar.Length - entriesLength}");
        }

        var length = cut ? entriesLength : _tar.Length;
        return Compress(_tar.GetBuffer().AsSpan(0, checked((int)length)));
    }

    /// <summary>gzip at the highest level; .NET writes the same header as <c>gzip -n -9</c>: no name, mtime 0, XFL 2, OS 3.</summary>
    internal static byte[] Compress(ReadOnlySpan<byte> data)
    {
        // Sized for data that does not compress (deflate adds 5 bytes per 64 KiB block stored), so it never grows by doubling.
        var compressed = new MemoryStream((int)Math.Min(data.Length + (data.Length >> 10) + 64L, Array.MaxLength));
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return compressed.ToArray();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _tar.Dispose();
    }

    private void WriteEntry(TarEntryType type, string name, UnixFileMode mode, ReadOnlyMemory<byte>? content)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        PosixTarEntry entry = _paxHeaders ? new UstarTarEntry(type, name) : new GnuTarEntry(type, name);
        entry.Mode = mode;
        entry.Uid = 0;
        entry.Gid = 0;
        entry.UserName = "root";
        entry.GroupName = "root";
        entry.ModificationTime = _modified;
        if (content is { } bytes)
        {
            // Read in place: a package of large files (the antivirus databases) would otherwise hold each twice.
            entry.DataStream = MemoryMarshal.TryGetArray(bytes, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(bytes.ToArray(), writable: false);
        }

        _writer.WriteEntry(entry);
    }

    // A pax extended header block laid out like GNU tar's --format=posix: name "%d/PaxHeaders/%f", mode 0644, ustar magic.
    private void WritePaxHeader(string name, IReadOnlyList<KeyValuePair<string, string>> extraRecords)
    {
        if (!_paxHeaders)
        {
            return;
        }

        var records = new StringBuilder();
        AppendRecord(records, "ctime", "0");
        AppendRecord(records, "atime", "0");
        foreach (var (key, value) in extraRecords)
        {
            AppendRecord(records, key, value);
        }

        var data = Encoding.UTF8.GetBytes(records.ToString());
        var header = new byte[BlockSize];
        PutText(header, 0, 100, PaxHeaderName(name));
        PutOctal(header, 100, 8, 0b110_100_100);
        PutOctal(header, 108, 8, 0);
        PutOctal(header, 116, 8, 0);
        PutOctal(header, 124, 12, data.Length);
        PutOctal(header, 136, 12, _modified.ToUnixTimeSeconds());
        header[156] = (byte)'x';
        PutText(header, 257, 6, "ustar\0");
        PutText(header, 263, 2, "00");
        // The checksum is computed with its own field read as spaces, then written as six octal digits, NUL, space.
        header.AsSpan(148, 8).Fill((byte)' ');
        var checksum = 0;
        foreach (var b in header)
        {
            checksum += b;
        }

        PutText(header, 148, 8, Convert.ToString(checksum, 8).PadLeft(6, '0') + "\0 ");
        _tar.Write(header);
        _tar.Write(data);
        _tar.Write(new byte[(BlockSize - data.Length % BlockSize) % BlockSize]);
    }

    private static string PaxHeaderName(string name)
    {
        var trimmed = name.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var directory = slash < 0 ? "." : trimmed[..slash];
        var file = trimmed[(slash + 1)..];
        return $"{directory}/PaxHeaders/{file}";
    }

    // "%d %s=%s\n" where the decimal length counts the whole record, its own digits included.
    private static void AppendRecord(StringBuilder records, string key, string value)
    {
        var payload = Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value) + 3;
        var length = payload + payload.ToString(CultureInfo.InvariantCulture).Length;
        if (length.ToString(CultureInfo.InvariantCulture).Length != payload.ToString(CultureInfo.InvariantCulture).Length)
        {
            length++;
        }

        records.Append(CultureInfo.InvariantCulture, $"{length} {key}={value}\n");
    }

    private static void PutOctal(byte[] header, int offset, int width, long value) =>
        PutText(header, offset, width, Convert.ToString(value, 8).PadLeft(width - 1, '0') + "\0");

    // Names longer than the field are truncated, as GNU tar does for PaxHeaders names; apk ignores them.
    private static void PutText(byte[] header, int offset, int width, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes.AsSpan(0, Math.Min(bytes.Length, width)).CopyTo(header.AsSpan(offset, width));
    }
}
