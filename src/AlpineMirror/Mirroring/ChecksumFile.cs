using System.Text;
using AlpineMirror.Apk;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>
/// A <c>.sha256</c>/<c>.sha512</c> file beside a release image: one line <c>"&lt;hex&gt;  &lt;file name&gt;"</c>, as
/// <c>sha256sum</c> writes it (APK-FORMAT.md §5). It must agree with latest-releases.yaml.
/// </summary>
internal static class ChecksumFile
{
    /// <summary>Larger than any one-line checksum file; a bigger body is not one.</summary>
    public const int MaxLength = 4096;

    /// <summary>Checks that <paramref name="content"/> names <paramref name="imageName"/> with <paramref name="expectedHex"/>.</summary>
    /// <param name="field">The digest the file holds: <c>sha256</c> or <c>sha512</c>.</param>
    /// <exception cref="ReleaseFormatException">The content is not one <c>"&lt;hex&gt;  &lt;name&gt;"</c> line.</exception>
    /// <exception cref="ChecksumMismatchException">The digest or the file name differs.</exception>
    public static void Check(ReadOnlySpan<byte> content, string source, string field, string expectedHex, string imageName)
    {
        var digits = field == "sha512" ? 128 : 64;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content).TrimEnd('\n', '\r', ' ');
        }
        catch (DecoderFallbackException)
        {
            throw new ReleaseFormatException(source, $"{field} file: expected text, got bytes that are not UTF-8");
        }

        if (text.Length > MaxLength || text.Contains('\n'))
        {
            throw new ReleaseFormatException(source, $"{field} file: expected one line \"<hex>  {imageName}\", got several lines");
        }

        // sha256sum separates with two spaces, or " *" in binary mode.
        var separator = text.IndexOf(' ');
        if (separator < 0 || separator + 2 > text.Length || text[separator + 1] is not (' ' or '*'))
        {
            throw new ReleaseFormatException(source, $"{field} file: expected \"<hex>  {imageName}\", got '{UpstreamLayout.Printable(text)}'");
        }

        var hex = text[..separator];
        var name = text[(separator + 2)..];
        if (hex.Length != digits || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ReleaseFormatException(source, $"{field} file: expected {digits} hex digits, got '{UpstreamLayout.Printable(hex)}'");
        }

        if (!string.Equals(hex, expectedHex, StringComparison.OrdinalIgnoreCase))
        {
            throw new ChecksumMismatchException(source, field, expectedHex, hex.ToLowerInvariant());
        }

        if (name != imageName)
        {
            throw new ChecksumMismatchException(source, "file name", imageName, UpstreamLayout.Printable(name));
        }
    }
}
