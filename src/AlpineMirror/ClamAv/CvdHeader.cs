using System.Globalization;
using System.Text;

namespace AlpineMirror.ClamAv;

/// <summary>
/// The 512-byte ASCII header of a <c>.cvd</c> (CLAMAV-FORMAT.md §2):
/// <c>ClamAV-VDB:&lt;time&gt;:&lt;version&gt;:&lt;signatures&gt;:&lt;flevel&gt;:&lt;md5&gt;:&lt;dsig&gt;:&lt;builder&gt;:&lt;stime&gt;</c>.
/// </summary>
public sealed record CvdHeader(
    string BuildTime, int Version, int Signatures, int FunctionalityLevel, string Md5, string Dsig, string Builder, long BuildEpoch)
{
    public const int Length = 512;
    private const string Magic = "ClamAV-VDB";

    /// <summary>Reads and parses the header of the database at <paramref name="path"/>, not its body.</summary>
    /// <exception cref="ClamAvFormatException">The header is short or malformed.</exception>
    public static CvdHeader Read(string path)
    {
        var header = new byte[Length];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        return Parse(header.AsSpan(0, read), path);
    }

    /// <summary>Parses the first 512 bytes of a database.</summary>
    /// <param name="source">The file or URL, for the error message.</param>
    /// <exception cref="ClamAvFormatException">Fewer than 512 bytes, a byte that is not printable ASCII, or a malformed field.</exception>
    public static CvdHeader Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < Length)
        {
            throw new ClamAvFormatException(source, $"header: expected {Length} bytes, got {bytes.Length}");
        }

        var header = bytes[..Length];
        // The legacy signature covers only the MD5 of the body: insisting on plain ASCII at least catches a damaged
        // build time, count or level, which nothing else would.
        var text = header.TrimEnd(" \0"u8);
        for (var i = 0; i < text.Length; i++)
        {
            if (header[i] is < 0x20 or > 0x7E)
            {
                throw new ClamAvFormatException(source, $"header: expected printable ASCII, got byte 0x{header[i]:x2} at offset {i}");
            }
        }

        var fields = Encoding.ASCII.GetString(text).Split(':');
        if (fields.Length < 9 || fields[0] != Magic)
        {
            throw new ClamAvFormatException(source, $"header: expected '{Magic}:' and 9 fields separated by ':', got {fields.Length} fields starting '{fields[0]}'");
        }

        var md5 = fields[5];
        if (md5.Length != 32 || !md5.All(char.IsAsciiHexDigitLower))
        {
            throw new ClamAvFormatException(source, $"header: md5: expected 32 lower-case hex digits, got '{md5}'");
        }

        return new CvdHeader(
            fields[1],
            Number(fields[2], "version", source),
            Number(fields[3], "signature count", source),
            Number(fields[4], "functionality level", source),
            md5,
            fields[6],
            fields[7],
            Number(fields[8], "build time", source));
    }

    private static int Number(string text, string field, string source) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ClamAvFormatException(source, $"header: {field}: expected a whole number, got '{text}'");
}
