namespace AlpineMirror.Planning;

/// <summary>A file of releases/&lt;arch&gt;/; size and sha256 are known for images listed in latest-releases.yaml.</summary>
public sealed record ReleaseFile(string Name, long? Size, string? Sha256, bool Fetch);
