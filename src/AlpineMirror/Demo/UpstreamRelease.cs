using AlpineMirror.Apk;

namespace AlpineMirror.Demo;

/// <summary>One point release of an upstream branch for one architecture: the packages of each repository and the release date.</summary>
/// <remarks>Made by <see cref="UpstreamGenerator"/>, written by <see cref="UpstreamWriter"/>.</remarks>
public sealed record UpstreamRelease
{
    /// <summary>The branch folder, e.g. <c>v3.15</c>.</summary>
    public required string Branch { get; init; }

    /// <summary>The point release announced in latest-releases.yaml, e.g. <c>3.15.4</c>.</summary>
    public required string Version { get; init; }

    /// <summary>The architecture, e.g. <c>x86_64</c>; every package's <see cref="PackageSpec.Arch"/> must equal it.</summary>
    public required string Arch { get; init; }

    /// <summary>When the release images were built: their date and time in latest-releases.yaml and their file times.</summary>
    public required DateTimeOffset ReleasedAt { get; init; }

    /// <summary>Repository name (<c>main</c>, <c>community</c>) → its packages.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<PackageSpec>> Repositories { get; init; }

    public int PackageCount => Repositories.Values.Sum(packages => packages.Count);

    /// <summary>
    /// The next point release (<c>3.15.4</c> → <c>3.15.5</c>, 30 days later). In every repository of n packages,
    /// round(<paramref name="updatedShare"/>·n) packages are rebuilt with new content, and round(share·n/10) others are
    /// removed and as many new ones added. When the share is above zero the kernel and Xen packages are always among
    /// the updated ones with a new upstream version (<c>5.15.40-r0</c> → <c>5.15.41-r0</c>), as upstream point
    /// releases bring; the others get the next revision (<c>-r1</c> → <c>-r2</c>). Unchanged packages are the same
    /// <see cref="PackageSpec"/> instances, which lets <see cref="UpstreamWriter"/> reuse their files.
    /// </summary>
    /// <param name="updatedShare">Between 0 and 1; 0.01 updates 1 % of the packages.</param>
    /// <param name="seed">Chooses which packages change; the same seed gives the same release.</param>
    public UpstreamRelease WithChanges(double updatedShare, int seed) => ReleaseChanges.Random(this, updatedShare, seed);
}
