using System.Globalization;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

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

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .IgnoreUnmatchedProperties()
        .Build();

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
    /// The YAML is larger than <see cref="MaxBytes"/>, nested deeper than a list of mappings allows, malformed, empty, or
    /// an entry misses or misspells a field; the message names the entry and field.
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
            if (!parser.TryConsume<DocumentStart>(out _) || !parser.Accept<SequenceStart>(out _))
            {
                throw new ReleaseFormatException(source, $"line {parser.Current?.Start.Line}: expected a YAML sequence of images");
            }

            parser.Consume<SequenceStart>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                var entry = new EntryLocation(source, images.Count + 1, parser.Current!.Start.Line);
                try
                {
                    images.Add(Validate(Deserializer.Deserialize<YamlEntry?>(parser), entry));
                }
                catch (YamlException e) when (e.InnerException is ReleaseFormatException refused)
                {
                    // The depth limit, raised inside the deserializer, which wraps whatever its parser throws.
                    throw refused;
                }
                catch (YamlException e)
                {
                    throw new ReleaseFormatException(source, $"entry {entry.Number}: {OneLine(e)}", e);
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

    private static ReleaseImage Validate(YamlEntry? yaml, EntryLocation at)
    {
        if (yaml is null)
        {
            throw at.Invalid("entry", "a mapping of fields", null);
        }

        var file = Required(yaml.File, "file", at);
        if (!UpstreamLayout.IsPlainFileName(file))
        {
            throw at.Invalid("file", "a plain file name", file);
        }

        if (yaml.Iso is { } iso && !UpstreamLayout.IsPlainFileName(iso))
        {
            throw at.Invalid("iso", "a plain file name", iso);
        }

        var version = Required(yaml.Version, "version", at);
        if (!ApkVersion.IsValid(version))
        {
            throw at.Invalid("version", "an Alpine version like 3.15.5", version);
        }

        return new ReleaseImage
        {
            Title = yaml.Title,
            Description = yaml.Desc,
            Branch = Required(yaml.Branch, "branch", at),
            Arch = Required(yaml.Arch, "arch", at),
            Version = version,
            Flavor = yaml.Flavor,
            File = file,
            Iso = yaml.Iso,
            Date = yaml.Date,
            Time = yaml.Time,
            Size = ByteCount(Required(yaml.Size, "size", at), "size", at),
            Sha256 = Hex(Required(yaml.Sha256, "sha256", at), 64, "sha256", at),
            Sha512 = yaml.Sha512 is { } sha512 ? Hex(sha512, 128, "sha512", at) : null,
            ExtractedSize = yaml.ExtractedSize is { } extractedSize ? ByteCount(extractedSize, "extracted_size", at) : null,
            ExtractedSha256 = yaml.ExtractedSha256 is { } extracted256 ? Hex(extracted256, 64, "extracted_sha256", at) : null,
            ExtractedSha512 = yaml.ExtractedSha512 is { } extracted512 ? Hex(extracted512, 128, "extracted_sha512", at) : null,
        };
    }

    private static string Required(string? value, string field, EntryLocation at) =>
        string.IsNullOrWhiteSpace(value) ? throw at.Invalid(field, "a value", null) : value;

    private static long ByteCount(string value, string field, EntryLocation at) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
            ? bytes
            : throw at.Invalid(field, "a whole number of bytes", value);

    private static string Hex(string value, int digits, string field, EntryLocation at) =>
        value.Length == digits && value.All(char.IsAsciiHexDigit)
            ? value.ToLowerInvariant()
            : throw at.Invalid(field, $"{digits} hex digits", value);

    // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 9, Idx: 24): " and nests the real cause.
    private static string OneLine(YamlException e)
    {
        var messages = new List<string>();
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            var message = AssemblyQualification().Replace(MarkPrefix().Replace(current.Message, ""), "").ReplaceLineEndings(" ").Trim();
            if (message.Length > 0 && !messages.Contains(message))
            {
                messages.Add(message);
            }
        }

        return $"line {e.Start.Line}, column {e.Start.Column}: {string.Join(": ", messages)}";
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();

    // "System.String, System.Private.CoreLib, Version=10.0.0.0, Culture=neutral, PublicKeyToken=…" -> "System.String".
    [GeneratedRegex(@", [\w.]+, Version=[^,]+, Culture=[^,]+, PublicKeyToken=\w+")]
    private static partial Regex AssemblyQualification();

    /// <summary>Which entry is being read, for error messages.</summary>
    private sealed record EntryLocation(string Source, int Number, long Line)
    {
        public ReleaseFormatException Invalid(string field, string expected, string? actual)
        {
            var got = actual is null ? "nothing" : $"'{UpstreamLayout.Printable(Shorten(actual))}'";
            return new ReleaseFormatException(Source, $"entry {Number} (line {Line}): {field}: expected {expected}, got {got}");
        }

        private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";
    }

    /// <summary>One entry as written; every field a string so that a bad value is reported by our checks, not the deserializer.</summary>
    private sealed class YamlEntry
    {
        [YamlMember(Alias = "title")] public string? Title { get; set; }
        [YamlMember(Alias = "desc")] public string? Desc { get; set; }
        [YamlMember(Alias = "branch")] public string? Branch { get; set; }
        [YamlMember(Alias = "arch")] public string? Arch { get; set; }
        [YamlMember(Alias = "version")] public string? Version { get; set; }
        [YamlMember(Alias = "flavor")] public string? Flavor { get; set; }
        [YamlMember(Alias = "file")] public string? File { get; set; }
        [YamlMember(Alias = "iso")] public string? Iso { get; set; }
        [YamlMember(Alias = "date")] public string? Date { get; set; }
        [YamlMember(Alias = "time")] public string? Time { get; set; }
        [YamlMember(Alias = "size")] public string? Size { get; set; }
        [YamlMember(Alias = "sha256")] public string? Sha256 { get; set; }
        [YamlMember(Alias = "sha512")] public string? Sha512 { get; set; }
        [YamlMember(Alias = "extracted_size")] public string? ExtractedSize { get; set; }
        [YamlMember(Alias = "extracted_sha256")] public string? ExtractedSha256 { get; set; }
        [YamlMember(Alias = "extracted_sha512")] public string? ExtractedSha512 { get; set; }
    }
}
