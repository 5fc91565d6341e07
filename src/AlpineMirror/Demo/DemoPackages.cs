using AlpineMirror.Apk;

namespace AlpineMirror.Demo;

/// <summary>The small distribution of <see cref="UpstreamGenerator.Demo"/>: Alpine 3.15's base system, kernels and Xen, a few community packages.</summary>
internal static class DemoPackages
{
    private const string Musl = "so:libc.musl-x86_64.so.1";

    /// <summary>The kernel and Xen packages, which every generated release has in main.</summary>
    public static IReadOnlyList<Row> BootPackages { get; } =
    [
        new("main", "linux-lts", "5.15.40-r0", "GPL-2.0-only", "https://www.kernel.org", "Linux lts kernel", 24_000, Depends: ["mkinitfs"]),
        new("main", "linux-virt", "5.15.40-r0", "GPL-2.0-only", "https://www.kernel.org", "Linux lts kernel for virtual guests", 20_000, Origin: "linux-lts", Depends: ["mkinitfs"]),
        new("main", "xen", "4.15.2-r0", "GPL-2.0-only", "https://www.xenproject.org/", "Xen hypervisor tools", 12_000),
        new("main", "xen-hypervisor", "4.15.2-r0", "GPL-2.0-only", "https://www.xenproject.org/", "Xen hypervisor", 10_000, Origin: "xen"),
    ];

    private static readonly IReadOnlyList<Row> Rows =
    [
        .. BootPackages,
        new("main", "alpine-baselayout", "3.2.0-r18", "GPL-2.0-only", "https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout", "Alpine base dir structure and init scripts", 3_000, Depends: ["/bin/sh", Musl]),
        new("main", "alpine-conf", "3.13.1-r0", "MIT", "https://gitlab.alpinelinux.org/alpine/alpine-conf", "Alpine configuration management scripts", 4_000, Depends: ["openrc>0.13"]),
        new("main", "alpine-keys", "2.4-r1", "MIT", "https://alpinelinux.org", "Public keys for Alpine Linux packages", 2_000),
        new("main", "apk-tools", "2.12.9-r3", "GPL-2.0-only", "https://gitlab.alpinelinux.org/alpine/apk-tools", "Alpine Package Keeper - package manager for alpine", 6_000, Depends: [Musl, "so:libcrypto.so.1.1", "so:libssl.so.1.1", "so:libz.so.1"]),
        new("main", "busybox", "1.34.1-r5", "GPL-2.0-only", "https://busybox.net/", "Size optimized toolbox of many common UNIX utilities", 8_000, Depends: [Musl], Provides: ["/bin/sh"]),
        new("main", "ca-certificates-bundle", "20211220-r0", "MPL-2.0 AND MIT", "https://www.mozilla.org/en-US/about/governance/policies/security-group/certs/", "Pre generated bundle of Mozilla certificates", 3_000, Origin: "ca-certificates"),
        new("main", "libc-utils", "0.7.2-r3", "BSD-2-Clause AND BSD-3-Clause", "https://alpinelinux.org", "Meta package to pull in correct libc", 1_000, Origin: "libc-dev", Depends: ["musl-utils"]),
        new("main", "libcrypto1.1", "1.1.1n-r0", "OpenSSL", "https://www.openssl.org/", "Crypto library from openssl", 6_000, Origin: "openssl", Depends: [Musl], Provides: ["so:libcrypto.so.1.1=1.1"]),
        new("main", "libretls", "3.3.4-r3", "ISC AND (BSD-3-Clause OR MIT)", "https://git.causal.agency/libretls/about", "port of libtls from libressl to openssl", 3_000, Depends: ["ca-certificates-bundle", Musl, "so:libcrypto.so.1.1", "so:libssl.so.1.1"], Provides: ["so:libtls.so.2=2.0.3"]),
        new("main", "libssl1.1", "1.1.1n-r0", "OpenSSL", "https://www.openssl.org/", "SSL shared libraries", 4_000, Origin: "openssl", Depends: [Musl, "so:libcrypto.so.1.1"], Provides: ["so:libssl.so.1.1=1.1"]),
        new("main", "mkinitfs", "3.6.1-r0", "GPL-2.0-only", "https://gitlab.alpinelinux.org/alpine/mkinitfs", "Tool to generate initramfs images for Alpine", 3_000, Depends: ["busybox>=1.28.2-r1", "apk-tools>=2.9.1"]),
        new("main", "musl", "1.2.2-r7", "MIT", "https://musl.libc.org/", "the musl c library (libc) implementation", 5_000, Provides: [Musl + "=1"]),
        new("main", "musl-utils", "1.2.2-r7", "MIT BSD GPL2+", "https://musl.libc.org/", "the musl c library (libc) implementation", 2_000, Origin: "musl", Depends: ["scanelf", Musl]),
        new("main", "openrc", "0.44.7-r5", "BSD-2-Clause", "https://github.com/OpenRC/openrc", "OpenRC manages the services, startup and shutdown of a host", 6_000, Depends: ["ifupdown-any", Musl]),
        new("main", "openssl", "1.1.1n-r0", "OpenSSL", "https://www.openssl.org/", "Toolkit for Transport Layer Security (TLS)", 5_000, Depends: [Musl, "so:libcrypto.so.1.1", "so:libssl.so.1.1"]),
        new("main", "scanelf", "1.3.3-r0", "GPL-2.0-only", "https://wiki.gentoo.org/wiki/Hardened/PaX_Utilities", "Scan ELF binaries for stuff", 2_000, Origin: "pax-utils", Depends: [Musl]),
        new("main", "ssl_client", "1.34.1-r5", "GPL-2.0-only", "https://busybox.net/", "EXternal ssl_client for busybox wget", 2_000, Origin: "busybox", Depends: [Musl, "so:libtls.so.2"]),
        new("main", "zlib", "1.2.12-r0", "Zlib", "https://zlib.net/", "A compression/decompression Library", 3_000, Depends: [Musl], Provides: ["so:libz.so.1=1.2.12"]),
        new("main", "ifupdown-ng", "0.11.3-r0", "ISC", "https://github.com/ifupdown-ng/ifupdown-ng", "tools for managing network configuration", 3_000, Depends: [Musl], Provides: ["ifupdown-any"]),
        new("main", "alpine-base", "3.15.4-r0", "MIT", "https://alpinelinux.org", "Meta package for minimal alpine base", 1_000, Depends: ["alpine-baselayout", "alpine-conf", "alpine-keys", "apk-tools", "busybox", "libc-utils", "openrc"]),
        new("community", "ansible", "4.8.0-r0", "GPL-3.0-or-later", "https://ansible.com", "A configuration-management, deployment, task-execution, and multinode orchestration framework", 12_000),
        new("community", "containerd", "1.5.11-r0", "Apache-2.0", "https://containerd.io", "An open and reliable container runtime", 10_000, Depends: ["runc"]),
        new("community", "docker", "20.10.14-r0", "Apache-2.0", "https://www.docker.io/", "Pack, ship and run any application as a lightweight container", 9_000, Depends: ["containerd"]),
        new("community", "fish", "3.3.1-r1", "GPL-2.0-only", "https://fishshell.com/", "Modern interactive commandline shell", 7_000, Depends: [Musl]),
        new("community", "go", "1.17.8-r0", "BSD-3-Clause", "https://go.dev/", "Go programming language compiler", 14_000),
        new("community", "helm", "3.7.2-r1", "Apache-2.0", "https://helm.sh/", "The Kubernetes Package Manager", 8_000),
        new("community", "neofetch", "7.1.0-r0", "MIT", "https://github.com/dylanaraps/neofetch", "Simple system information script", 2_000, Depends: ["bash"]),
        new("community", "neovim", "0.5.1-r0", "Apache-2.0 AND Vim", "https://neovim.io/", "Vim-fork focused on extensibility and agility", 7_000, Depends: [Musl]),
        new("community", "podman", "3.4.4-r1", "Apache-2.0", "https://podman.io/", "Simple management tool for pods, containers and images", 9_000, Depends: ["runc"]),
        new("community", "runc", "1.0.3-r0", "Apache-2.0", "https://github.com/opencontainers/runc", "CLI tool for spawning and running containers according to the OCI specification", 5_000, Depends: [Musl]),
    ];

    /// <summary>What 3.15.5 changes: new kernels, a Xen security rebuild, an OpenSSL update with its libraries.</summary>
    public static IReadOnlyDictionary<string, string> SecondReleaseVersions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["linux-lts"] = "5.15.41-r0",
        ["linux-virt"] = "5.15.41-r0",
        ["xen"] = "4.15.2-r1",
        ["xen-hypervisor"] = "4.15.2-r1",
        ["openssl"] = "1.1.1o-r0",
        ["libcrypto1.1"] = "1.1.1o-r0",
        ["libssl1.1"] = "1.1.1o-r0",
    };

    public static IReadOnlyCollection<string> SecondReleaseRemoved { get; } = ["neofetch"];

    public static IReadOnlyDictionary<string, IReadOnlyList<PackageSpec>> SecondReleaseAdded(string arch, long buildTime) =>
        new Dictionary<string, IReadOnlyList<PackageSpec>>(StringComparer.Ordinal)
        {
            ["community"] = [new Row("community", "btop", "1.2.8-r0", "Apache-2.0", "https://github.com/aristocratos/btop", "Resource monitor", 6_000, Depends: [Musl]).ToSpec(arch, buildTime)],
        };

    public static IReadOnlyDictionary<string, IReadOnlyList<PackageSpec>> FirstRelease(string arch, long buildTime) =>
        Rows.GroupBy(row => row.Repository, StringComparer.Ordinal).ToDictionary(
            group => group.Key,
            group => (IReadOnlyList<PackageSpec>)[.. group.Select(row => row.ToSpec(arch, buildTime))],
            StringComparer.Ordinal);

    /// <summary>One package of the demo distribution.</summary>
    public sealed record Row(string Repository, string Name, string Version, string License, string Url, string Description,
        int InstalledBytes, string? Origin = null, string[]? Depends = null, string[]? Provides = null)
    {
        /// <summary>The package, built up to three months before <paramref name="newestBuildTime"/> so that build dates differ.</summary>
        public PackageSpec ToSpec(string arch, long newestBuildTime) =>
            SyntheticPackages.Create(Name, Version, arch, InstalledBytes,
                newestBuildTime - (long)(SeededRandom.StableHash(Name) % 90) * 86_400, Description, License, Origin) with
            {
                Url = Url,
                Depends = Depends ?? [],
                Provides = Provides ?? [],
            };
    }
}
