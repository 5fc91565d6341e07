using AlpineMirror.Apk;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>How <see cref="MirrorExecutor"/> runs; retries and timeouts are the <see cref="Upstream.UpstreamClientOptions"/>.</summary>
public sealed record MirrorSettings
{
    /// <summary>How many files are downloaded (or checked) at once, over one HttpClient.</summary>
    public int Parallel { get; init; } = 8;

    /// <summary>
    /// Which staged files are hashed before they are kept; the same as <see cref="VerifySettings.Mode"/>, so that a Full
    /// verification that finds a damaged file is followed by a Full mirror that replaces it.
    /// </summary>
    public VerifyMode Mode { get; init; } = VerifyMode.Changed;

    /// <summary>
    /// The OpenPGP keys that sign release files (<c>--release-keys</c>): with them every release image fetched or hashed
    /// needs a <c>.asc</c> that verifies; without them an <c>.asc</c> is only checked to be an OpenPGP signature.
    /// </summary>
    public ReleaseSigningKeys? ReleaseKeys { get; init; }

    /// <summary>
    /// The apk keys (<c>--keys</c>) every package fetched or hashed must be signed with, as <c>apk verify</c> checks it;
    /// null checks only the index's <c>C:</c> chain.
    /// </summary>
    public TrustedKeys? PackageKeys { get; init; }
}
