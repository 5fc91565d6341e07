using AlpineMirror.ClamAv;
using AlpineMirror.Deploy;
using AlpineMirror.InHouse;
using AlpineMirror.Mirroring;

namespace AlpineMirror.Configuration;

/// <summary>Everything the operator chose for a run, resolved from the command line, environment and config file.</summary>
public sealed record MirrorOptions
{
    public static readonly Uri DefaultUpstream = new("https://dl-cdn.alpinelinux.org/alpine");
    public const string DefaultKeys = "/etc/apk/keys";

    /// <summary>The mirror root, [ALPINE]: published snapshots, latest-stable, panoptiscan/ and .alpinemirror/.</summary>
    public string? Root { get; init; }
    public Uri Upstream { get; init; } = DefaultUpstream;
    /// <summary>The upstream branch, e.g. v3.15 or edge.</summary>
    public string? Branch { get; init; }
    public IReadOnlyList<string> Repos { get; init; } = ["main", "community"];
    public IReadOnlyList<string> Archs { get; init; } = ["x86_64"];
    /// <summary>Directory of trusted public keys, named as the .SIGN entries name them.</summary>
    public string Keys { get; init; } = DefaultKeys;
    /// <summary>A file or folder of armored OpenPGP public keys that sign release files (Alpine: ncopa.asc); none verifies no .asc.</summary>
    public string? ReleaseKeys { get; init; }
    /// <summary>Snapshot name override; otherwise the name comes from upstream's latest-releases.yaml.</summary>
    public string? Version { get; init; }
    public bool Releases { get; init; } = true;
    /// <summary>How often a failed download is tried again before the run fails.</summary>
    public int Retries { get; init; } = 4;
    /// <summary>How long one attempt may wait for an answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Downloads at once.</summary>
    public int Parallel { get; init; } = 8;
    /// <summary>The wipe guard: the largest share of the previous snapshot's packages an update may drop.</summary>
    public double MaxRemovedShare { get; init; } = 0.10;
    /// <summary>Which staged files Mirror and Verify hash: only what changed since a snapshot this tool verified, or all.</summary>
    public VerifyMode Verify { get; init; } = VerifyMode.Changed;
    /// <summary>Publish even when the wipe guard trips.</summary>
    public bool Force { get; init; }
    /// <summary>Rollback target; the previous snapshot when not given.</summary>
    public string? To { get; init; }
    /// <summary>How many published snapshots Prune keeps.</summary>
    public int? Keep { get; init; }
    /// <summary>When the boot infrastructure is redeployed after a publication or a rollback.</summary>
    public DeployPolicy Deploy { get; init; } = DeployPolicy.Always;
    public string? AnsiblePlaybook { get; init; }
    public string? AnsibleInventory { get; init; }
    public string? AnsibleArgs { get; init; }
    public Uri? AwxUrl { get; init; }
    public string? AwxJobTemplate { get; init; }
    /// <summary>Where to write the JSON report, besides the console.</summary>
    public string? Report { get; init; }
    /// <summary>The in-house repository's options (<c>--inhouse-*</c>, <c>--package</c>, <c>--restore</c>).</summary>
    public InHouseOptions InHouse { get; init; } = new();
    /// <summary>The antivirus feed (<c>--clamav-*</c>).</summary>
    public ClamAvOptions ClamAv { get; init; } = new();

    public string RequireRoot() =>
        Root ?? throw new ConfigurationException("--root", "the mirror root is required (e.g. --root=/srv/alpine)");

    public string RequireBranch() =>
        Branch ?? throw new ConfigurationException("--branch", "the upstream branch is required (e.g. --branch=v3.15)");
}
