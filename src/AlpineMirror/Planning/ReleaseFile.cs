namespace AlpineMirror.Planning;

/// <summary>A file of releases/&lt;arch&gt;/; size and sha256 are known for images listed in latest-releases.yaml.</summary>
public sealed record ReleaseFile(string Name, long? Size, string? Sha256, bool Fetch)
{
    /// <summary>The OpenPGP signature upstream may or may not publish beside an image.</summary>
    public const string SignatureSuffix = ".asc";
}
