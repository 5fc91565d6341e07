namespace AlpineMirror.Upstream;

/// <summary>One image listed in <c>latest-releases.yaml</c> (APK-FORMAT.md §5), validated.</summary>
/// <remarks>Checksums are lower-case hex. Dates and times are kept as upstream wrote them: generators differ in precision.</remarks>
public sealed record ReleaseImage
{
    /// <summary>The files upstream publishes beside each image: its checksums and its detached OpenPGP signature.</summary>
    public static IReadOnlyList<string> CompanionSuffixes { get; } = [".sha256", ".sha512", ".asc"];

    /// <summary><c>title</c>, e.g. "Mini root filesystem"; older generators wrote none.</summary>
    public string? Title { get; init; }

    /// <summary><c>desc</c>, a multi-line description.</summary>
    public string? Description { get; init; }

    /// <summary><c>branch</c>, e.g. <c>v3.13</c> or <c>edge</c>.</summary>
    public required string Branch { get; init; }

    /// <summary><c>arch</c>, e.g. <c>x86_64</c>.</summary>
    public required string Arch { get; init; }

    /// <summary><c>version</c>, a valid apk version such as <c>3.13.5</c> or <c>3.14.0_alpha20210212</c>.</summary>
    public required string Version { get; init; }

    /// <summary><c>flavor</c>, <c>alpine-&lt;profile&gt;</c>: <c>alpine-standard</c>, <c>alpine-xen</c>, <c>alpine-netboot</c>...</summary>
    public string? Flavor { get; init; }

    /// <summary><c>file</c>, the image's plain file name inside <c>releases/&lt;arch&gt;/</c>.</summary>
    public required string File { get; init; }

    /// <summary><c>iso</c>, the same name again, kept upstream for compatibility.</summary>
    public string? Iso { get; init; }

    /// <summary><c>date</c>, e.g. <c>2021-04-14</c>.</summary>
    public string? Date { get; init; }

    /// <summary><c>time</c>, e.g. <c>10:28:29</c>.</summary>
    public string? Time { get; init; }

    /// <summary><c>size</c> in bytes.</summary>
    public required long Size { get; init; }

    /// <summary><c>sha256</c> of the file, 64 hex digits.</summary>
    public required string Sha256 { get; init; }

    /// <summary><c>sha512</c> of the file, 128 hex digits; missing from older generators.</summary>
    public string? Sha512 { get; init; }

    /// <summary><c>extracted_size</c> of a <c>*.img.gz</c> once gunzipped.</summary>
    public long? ExtractedSize { get; init; }

    /// <summary><c>extracted_sha256</c> of a <c>*.img.gz</c> once gunzipped.</summary>
    public string? ExtractedSha256 { get; init; }

    /// <summary><c>extracted_sha512</c> of a <c>*.img.gz</c> once gunzipped.</summary>
    public string? ExtractedSha512 { get; init; }
}
