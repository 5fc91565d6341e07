using System.Security.Cryptography;
using AlpineMirror.Storage;

namespace AlpineMirror.InHouse;

/// <summary>The in-house repository's options (<c>--inhouse-*</c>, <c>--package</c>, <c>--restore</c>), hung off the run's options.</summary>
public sealed record InHouseOptions
{
    public const string DefaultName = MirrorRoot.InHouseRepositoryName;

    /// <summary>The repository folder under the root and the key's name: stations trust <c>&lt;Name&gt;.rsa.pub</c>.</summary>
    public string Name { get; init; } = DefaultName;

    /// <summary>The private signing key (PEM), kept outside the root, which the web server publishes.</summary>
    public string? Key { get; init; }

    /// <summary>The drop folder builds leave <c>.apk</c> files in, flat or in <c>&lt;arch&gt;/</c> folders.</summary>
    public string? Incoming { get; init; }

    /// <summary>The vendor's published APK repository: <c>&lt;Upstream&gt;/&lt;arch&gt;/APKINDEX.tar.gz</c>.</summary>
    public Uri? Upstream { get; init; }

    /// <summary>The builders' and vendor's public keys, named as their <c>.SIGN.*</c> entries name them.</summary>
    public string? Keys { get; init; }

    /// <summary>How many versions of each package name stay listed.</summary>
    public int Keep { get; init; } = 3;

    /// <summary>The index signature digest: SHA-256 (<c>.SIGN.RSA256.</c>, the default) or SHA-1 (<c>.SIGN.RSA.</c>).</summary>
    public HashAlgorithmName Signature { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>The index DESCRIPTION; by default the repository name and the publication time.</summary>
    public string? Description { get; init; }

    /// <summary>Withdraw's <c>--package=&lt;name&gt;-&lt;version&gt;</c>.</summary>
    public string? Package { get; init; }

    /// <summary>Withdraw with <c>--restore</c> lifts an earlier withdrawal instead.</summary>
    public bool Restore { get; init; }

    /// <summary>True when a drop folder or a vendor repository feeds the repository, so Update refreshes it.</summary>
    public bool HasSource => Incoming is not null || Upstream is not null;

    /// <summary>The public key file name stations put in /etc/apk/keys, and every index's <c>.SIGN.</c> entry names.</summary>
    public string KeyName => Name + ".rsa.pub";
}
