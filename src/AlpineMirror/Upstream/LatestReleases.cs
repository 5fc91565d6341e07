using System.Globalization;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AlpineMirror.Upstream;

/// <summary>The images announced by one <c>releases/&lt;arch&gt;/latest-releases.yaml</c>, and the point release they belong to.</summary>
public sealed partial class LatestReleases
{
    /// <summary>
    /// The largest latest-releases.yaml read: real ones are a few kilobytes (about 700 bytes per image, a dozen images
    /// per arch), so 256 KiB leaves room for growth while bounding the parse of a hostile file.
    /// </summary>
    public const int MaxBytes = 256 * 1024;

    // A sequence of images, each a mapping of scalars: two levels; the rest is slack for fields upstream may add.
    private const int MaxDepth = 8;

    private LatestReleases(string source, IReadOnlyList<ReleaseImage> images)
    {
        Source = source;
        Images = images;
        Version = images.Select(image => image.Version).Max(Comparer<string>.Create(ApkVersion.Compare))!;
    }

    /// <summary>Where the YAML came from, as named in errors.</summary>
    public string Source { get; }

    /// <summary>The images in file order; never empty.</summary>
    public IReadOnlyList<ReleaseImage> Images { get; }

    /// <summary>The point release, e.g. <c>3.15.5</c>: the highest image version (all images normally agree).</summary>
    public string Version { get; }

    /// <summary>Reads the YAML from a stream, entry by entry.</summary>
    /// <exception cref="ReleaseFormatException">
    /// The YAML is larger than <see cref="MaxBytes"/>, nested deeper than <c>MaxDepth</c> allows, malformed, empty, or an
    /// entry is not a mapping, misses or misspells a field, or gives a field a list or mapping; the message names the entry
    /// and field. Fields this parser does not know are skipped.
    /// </exception>
    public static LatestReleases Parse(Stream yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(source);
        var bytes = new byte[MaxBytes + 1];
        var length = yaml.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        return Parse(bytes.AsSpan(0, length), source);
    }

    /// <summary>Reads the YAML from bytes as fetched by <see cref="UpstreamClient.GetBytesAsync"/>.</summary>
    /// <exception cref="ReleaseFormatException">See <see cref="Parse(Stream, string)"/>.</exception>
    public static LatestReleases Parse(byte[] yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(source);
        return Parse(yaml.AsSpan(), source);
    }

    /// <summary>Reads the YAML from a string.</summary>
    /// <exception cref="ReleaseFormatException">See <see cref="Parse(Stream, string)"/>.</exception>
    public static LatestReleases Parse(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(source);
        return Parse(System.Text.Encoding.UTF8.GetBytes(yaml), source);
    }

    private static LatestReleases Parse(ReadOnlySpan<byte> yaml, string source)
    {
        if (yaml.Length > MaxBytes)
        {
            throw new ReleaseFormatException(source,
                $"size: expected at most {MaxBytes} bytes (real files are a few kilobytes), got {(yaml.Length > MaxBytes + 1 ? yaml.Length.ToString(CultureInfo.InvariantCulture) : "more")}");
        }

        using var reader = new StreamReader(new MemoryStream(yaml.ToArray(), writable: false));
        return Parse(reader, source);
    }

    private static LatestReleases Parse(TextReader reader, string source)
    {
        var images = new List<ReleaseImage>();
        var parser = new DepthLimitedParser(new Parser(reader), MaxDepth, source);
        try
        {
            parser.Consume<StreamStart>();
            if (!parser.TryConsume<DocumentStart>(out _) || !parser.TryConsume<SequenceStart>(out _))
            {
                throw new ReleaseFormatException(source, $"line {parser.Current?.Start.Line}: expected a YAML sequence of images");
            }

            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                var number = images.Count + 1;
                try
                {
                    images.Add(Validate(ReleaseEntryYaml.Read(parser, source, number)));
                }
                catch (YamlException e)
                {
                    throw new ReleaseFormatException(source, $"entry {number}: {OneLine(e)}", e);
                }
            }

            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new ReleaseFormatException(source, $"line {parser.Current?.Start.Line}: expected one YAML document, found another");
            }
        }
        catch (YamlException e)
        {
            throw new ReleaseFormatException(source, OneLine(e), e);
        }

        if (images.Count == 0)
        {
            throw new ReleaseFormatException(source, "expected at least one image, got an empty sequence");
        }

        return new LatestReleases(source, images);
    }

    private static ReleaseImage Validate(ReleaseEntryYaml entry)
    {
        var file = Required(entry, "file");
        if (!UpstreamLayout.IsPlainFileName(file))
        {
            throw entry.Invalid("file", "a plain file name", file);
        }

        var iso = entry.Text("iso");
        if (iso is not null && !UpstreamLayout.IsPlainFileName(iso))
        {
            throw entry.Invalid("iso", "a plain file name", iso);
        }

        var version = Required(entry, "version");
        if (!ApkVersion.IsValid(version))
        {
            throw entry.Invalid("version", "an Alpine version like 3.15.5", version);
        }

        return new ReleaseImage
        {
            Title = entry.Text("title"),
            Description = entry.Text("desc"),
            Branch = Required(entry, "branch"),
            Arch = Required(entry, "arch"),
            Version = version,
            Flavor = entry.Text("flavor"),
            File = file,
            Iso = iso,
            Date = entry.Text("date"),
            Time = entry.Text("time"),
            Size = ByteCount(entry, "size") ?? throw entry.Missing("size"),
            Sha256 = Hex(entry, "sha256", 64) ?? throw entry.Missing("sha256"),
            Sha512 = Hex(entry, "sha512", 128),
            ExtractedSize = ByteCount(entry, "extracted_size"),
            ExtractedSha256 = Hex(entry, "extracted_sha256", 64),
            ExtractedSha512 = Hex(entry, "extracted_sha512", 128),
        };
    }

    private static string Required(ReleaseEntryYaml entry, string field) =>
        entry.Text(field) is { } value && !string.IsNullOrWhiteSpace(value) ? value : throw entry.Missing(field);

    private static long? ByteCount(ReleaseEntryYaml entry, string field) => entry.Text(field) switch
    {
        null => null,
        var value when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) => bytes,
        var value => throw entry.Invalid(field, "a whole number of bytes", value),
    };

    private static string? Hex(ReleaseEntryYaml entry, string field, int digits) => entry.Text(field) switch
    {
        null => null,
        var value when value.Length == digits && value.All(char.IsAsciiHexDigit) => value.ToLowerInvariant(),
        var value => throw entry.Invalid(field, $"{digits} hex digits", value),
    };

    // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 9, Idx: 24): ".
    private static string OneLine(YamlException e) =>
        $"line {e.Start.Line}, column {e.Start.Column}: {MarkPrefix().Replace(e.Message, "").ReplaceLineEndings(" ").Trim()}";

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
