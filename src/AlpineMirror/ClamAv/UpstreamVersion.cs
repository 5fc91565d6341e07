namespace AlpineMirror.ClamAv;

/// <summary>The newest version upstream announces for one database, and how it was learnt.</summary>
/// <param name="CvdSize">The <c>.cvd</c>'s size when the header request told it (<c>Content-Range</c>), else null.</param>
/// <param name="Source">"dns" or "header".</param>
public sealed record UpstreamVersion(string Database, int Version, long? CvdSize, string Source);
