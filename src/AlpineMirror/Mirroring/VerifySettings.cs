using AlpineMirror.Apk;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>How strict <see cref="StagingVerifier"/> is about what an update may drop, and which files it hashes.</summary>
public sealed record VerifySettings
{
    /// <summary>The share of the previous snapshot's packages an update may remove before the wipe guard stops it (DESIGN.md §4.6).</summary>
    public double MaxRemovedShare { get; init; } = 0.10;

    /// <summary>Publish even when the wipe guard trips (<c>--force</c>).</summary>
    public bool Force { get; init; }

    /// <summary>Hash only what changed since a verified previous snapshot (the default), or every file.</summary>
    public VerifyMode Mode { get; init; } = VerifyMode.Changed;

    /// <summary>The OpenPGP keys that sign release files; see <see cref="MirrorSettings.ReleaseKeys"/>.</summary>
    public ReleaseSigningKeys? ReleaseKeys { get; init; }

    /// <summary>The apk keys every hashed package must be signed with; see <see cref="MirrorSettings.PackageKeys"/>.</summary>
    public TrustedKeys? PackageKeys { get; init; }
}
