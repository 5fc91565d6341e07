using AlpineMirror.Upstream;

namespace AlpineMirror.Planning;

/// <summary>The release tree of one architecture: latest-releases.yaml, its images and checksum files, netboot.</summary>
public sealed record ReleasePlan
{
    /// <summary>The symlink to the netboot folder of the release, as upstream names it.</summary>
    public const string NetbootLinkName = "netboot";

    public required string Arch { get; init; }
    public required string Version { get; init; }
    /// <summary>latest-releases.yaml as upstream published it.</summary>
    public required ReadOnlyMemory<byte> LatestReleases { get; init; }
    /// <summary>False when the previous snapshot holds this exact latest-releases.yaml.</summary>
    public required bool LatestReleasesChanged { get; init; }
    public required IReadOnlyList<ReleaseImage> Images { get; init; }
    public required IReadOnlyList<ReleaseFile> Files { get; init; }
    /// <summary>
    /// The netboot tarball that netboot-&lt;version&gt;/ is unpacked from: it holds the same boot/ tree upstream
    /// serves there, and its sha256 in latest-releases.yaml vouches for every file.
    /// </summary>
    public string? NetbootImage { get; init; }

    public string NetbootDirectory => $"netboot-{Version}";
    public IEnumerable<ReleaseFile> ToFetch => Files.Where(f => f.Fetch);
    public long DownloadBytes => ToFetch.Sum(f => f.Size ?? 0);
}
