using AlpineMirror.Apk;

namespace AlpineMirror.Demo;

/// <summary>Packages with plausible names and versions and generated content, for large test upstreams.</summary>
internal static class SyntheticPackages
{
    private static readonly string[] Prefixes = ["", "", "", "lib", "py3-", "perl-", "lua5.4-", "ruby-", "font-", "xfce4-"];

    private static readonly string[] Stems =
    [
        "acorn", "amber", "aspen", "basalt", "beacon", "birch", "cobalt", "comet", "coral", "delta", "ember", "falcon",
        "fjord", "garnet", "glacier", "harbor", "heron", "indigo", "iris", "jasper", "juniper", "kestrel", "lagoon",
        "lichen", "marble", "meadow", "nebula", "nimbus", "onyx", "orchid", "pebble", "pine", "quartz", "quill",
        "raven", "ridge", "saffron", "sierra", "tundra", "umber", "vapor", "willow", "yarrow", "zephyr",
    ];

    private static readonly string[] Licenses = ["MIT", "BSD-2-Clause", "Apache-2.0", "GPL-2.0-only", "GPL-3.0-or-later", "LGPL-2.1-or-later", "ISC"];

    /// <summary>A name not in <paramref name="taken"/>, which it joins: <c>py3-quartz417</c>.</summary>
    public static string NewName(SeededRandom random, ISet<string> taken)
    {
        while (true)
        {
            var name = $"{random.Pick(Prefixes)}{random.Pick(Stems)}{random.Next(100_000)}";
            if (taken.Add(name))
            {
                return name;
            }
        }
    }

    /// <summary>A package named <paramref name="name"/> with a random version and about <paramref name="installedBytes"/> of files.</summary>
    public static PackageSpec Create(SeededRandom random, string name, string arch, int installedBytes, long buildTime)
    {
        var version = $"{random.Between(0, 9)}.{random.Between(0, 30)}.{random.Between(0, 12)}-r{random.Between(0, 4)}";
        return Create(name, version, arch, installedBytes, buildTime, $"Synthetic package {name} for mirror tests", random.Pick(Licenses));
    }

    /// <summary>A package with the given identity; its content follows from name and version.</summary>
    public static PackageSpec Create(string name, string version, string arch, int installedBytes, long buildTime,
        string description, string license, string? origin = null) => new()
    {
        Name = name,
        Version = version,
        Arch = arch,
        Description = description,
        Url = $"https://example.org/{origin ?? name}",
        License = license,
        Origin = origin,
        Maintainer = "Demo Maintainer <maintainer@example.org>",
        Packager = "Buildozer <buildozer@example.org>",
        Commit = ReleaseChanges.AportsCommit(origin ?? name, version),
        BuildTime = buildTime,
        Depends = ["so:libc.musl-" + arch + ".so.1"],
        Files = PackageContent.Files(name, version, arch, installedBytes),
    };
}
