using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AlpineMirror.Apk;
using AlpineMirror.Deploy;
using AlpineMirror.Planning;
using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Deploy;

public sealed class DeployVariablesTests : IDisposable
{
    private static readonly string[] VariableNames =
    [
        "alpine_version", "alpine_previous_version", "alpine_branch", "alpine_root", "alpine_snapshot_path",
        "alpine_netboot_path", "linux_lts_version", "linux_virt_version", "xen_version", "kernel_changed", "xen_changed",
        "alpine_arches", "alpine_arch_vars",
    ];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-deploy-vars-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Should_take_the_snapshot_and_the_first_architectures_kernels_from_a_plan()
    {
        // Given a plan for x86_64 then aarch64 where only aarch64's kernel and x86_64's Xen changed
        var plan = Plan("3.15.5", "3.15.4", ["x86_64", "aarch64"],
        [
            new KernelChange("linux-lts", "aarch64", "5.15.40-r0", "5.15.41-r0"),
            new KernelChange("linux-lts", "x86_64", "5.15.41-r0", "5.15.41-r0"),
            new KernelChange("linux-virt", "x86_64", "5.15.41-r0", "5.15.41-r0"),
            new KernelChange("xen", "x86_64", "4.15.2-r0", "4.15.3-r0"),
            new KernelChange("xen-hypervisor", "x86_64", "4.15.2-r0", "4.15.3-r0"),
        ]);

        // When the variables are built for the root
        var variables = DeployVariables.FromPlan(plan, "/srv/alpine/");

        // Then they describe x86_64, the first architecture, with every name the playbook expects
        using var json = JsonDocument.Parse(variables.ToJson());
        Assert.Equal(VariableNames, json.RootElement.EnumerateObject().Select(p => p.Name));
        var values = json.RootElement;
        Assert.Equal("3.15.5", values.GetProperty("alpine_version").GetString());
        Assert.Equal("3.15.4", values.GetProperty("alpine_previous_version").GetString());
        Assert.Equal("v3.15", values.GetProperty("alpine_branch").GetString());
        Assert.Equal("/srv/alpine", values.GetProperty("alpine_root").GetString());
        Assert.Equal("/srv/alpine/3.15.5", values.GetProperty("alpine_snapshot_path").GetString());
        Assert.Equal("/srv/alpine/3.15.5/releases/x86_64/netboot", values.GetProperty("alpine_netboot_path").GetString());
        Assert.Equal("5.15.41-r0", values.GetProperty("linux_lts_version").GetString());
        Assert.Equal("5.15.41-r0", values.GetProperty("linux_virt_version").GetString());
        Assert.Equal("4.15.3-r0", values.GetProperty("xen_version").GetString());
        Assert.False(values.GetProperty("kernel_changed").GetBoolean());
        Assert.True(values.GetProperty("xen_changed").GetBoolean());

        // and every architecture, in --arch order, with its own netboot path, versions and changes
        Assert.Equal(["x86_64", "aarch64"], values.GetProperty("alpine_arches").EnumerateArray().Select(a => a.GetString()));
        var perArch = values.GetProperty("alpine_arch_vars");
        Assert.Equal(["x86_64", "aarch64"], perArch.EnumerateObject().Select(p => p.Name));
        var aarch64 = perArch.GetProperty("aarch64");
        Assert.Equal("/srv/alpine/3.15.5/releases/aarch64/netboot", aarch64.GetProperty("netboot_path").GetString());
        Assert.Equal("5.15.41-r0", aarch64.GetProperty("linux_lts_version").GetString());
        Assert.Equal(JsonValueKind.Null, aarch64.GetProperty("xen_version").ValueKind);
        Assert.True(aarch64.GetProperty("kernel_changed").GetBoolean());
        Assert.False(aarch64.GetProperty("xen_changed").GetBoolean());
        var x86 = perArch.GetProperty("x86_64");
        Assert.Equal(values.GetProperty("alpine_netboot_path").GetString(), x86.GetProperty("netboot_path").GetString());
        Assert.Equal("4.15.3-r0", x86.GetProperty("xen_version").GetString());
        Assert.False(x86.GetProperty("kernel_changed").GetBoolean());
    }

    [Fact]
    public void Should_read_every_configured_architecture_of_a_published_snapshot()
    {
        // Given a snapshot whose x86_64 main index is Alpine's real v3.16 one and whose aarch64 index is the v3.22 one
        var root = new MirrorRoot(Path.Combine(_directory.FullName, "alpine"));
        Publish(root, "3.16.3", Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"));
        var aarch64 = Directory.CreateDirectory(Path.Combine(root.SnapshotPath("3.16.3"), "main", "aarch64")).FullName;
        File.Copy(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"), Path.Combine(aarch64, "APKINDEX.tar.gz"));
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);

        // When the variables are read for --arch=x86_64,aarch64
        var variables = DeployVariables.FromPublished(root, "3.16.3", previous: null, keys, ["x86_64", "aarch64"]);

        // Then the top level stays x86_64's, and aarch64 gets its own netboot path and kernel
        using var json = JsonDocument.Parse(variables.ToJson());
        Assert.Equal("5.15.78-r0", json.RootElement.GetProperty("linux_lts_version").GetString());
        Assert.Equal(Path.Combine(root.Path, "3.16.3", "releases", "x86_64", "netboot"), json.RootElement.GetProperty("alpine_netboot_path").GetString());
        var second = json.RootElement.GetProperty("alpine_arch_vars").GetProperty("aarch64");
        Assert.Equal(Path.Combine(root.Path, "3.16.3", "releases", "aarch64", "netboot"), second.GetProperty("netboot_path").GetString());
        Assert.Equal("6.12.58-r0", second.GetProperty("linux_lts_version").GetString());
        Assert.Equal(["x86_64", "aarch64"], variables.Archs);
    }

    [Fact]
    public void Should_write_null_for_a_first_publication_and_absent_packages()
    {
        // Given a first publication whose repositories hold linux-lts only
        var plan = Plan("3.15.5", previous: null, ["x86_64"], [new KernelChange("linux-lts", "x86_64", null, "5.15.41-r0")]);

        // When the variables are serialised
        using var json = JsonDocument.Parse(DeployVariables.FromPlan(plan, "/srv/alpine").ToJson());

        // Then the missing values are JSON null and the new kernel counts as a change
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("alpine_previous_version").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("linux_virt_version").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("xen_version").ValueKind);
        Assert.True(json.RootElement.GetProperty("kernel_changed").GetBoolean());
        Assert.False(json.RootElement.GetProperty("xen_changed").GetBoolean());
    }

    [Fact]
    public void Should_read_versions_of_a_rollback_from_the_published_snapshots_real_indexes()
    {
        // Given snapshots holding Alpine's real v3.16 and v3.22 main indexes, latest-stable on the v3.22 one
        var root = new MirrorRoot(Path.Combine(_directory.FullName, "alpine"));
        Publish(root, "3.16.3", Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"));
        Publish(root, "3.22.2", Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"));
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);

        // When rolling back from 3.22.2 to 3.16.3
        var variables = DeployVariables.FromPublished(root, "3.16.3", previous: "3.22.2", keys);

        // Then the versions are those Alpine's signed v3.16 index lists, changed from v3.22's
        Assert.Equal("3.16.3", variables.Version);
        Assert.Equal("3.22.2", variables.PreviousVersion);
        Assert.Equal("v3.16", variables.Branch);
        Assert.Equal(root.Path, variables.Root);
        Assert.Equal(Path.Combine(root.Path, "3.16.3", "releases", "x86_64", "netboot"), variables.NetbootPath);
        Assert.Equal("5.15.78-r0", variables.LinuxLtsVersion);
        Assert.Equal("5.15.78-r0", variables.LinuxVirtVersion);
        Assert.Equal("4.16.2-r0", variables.XenVersion);
        Assert.True(variables.KernelChanged);
        Assert.True(variables.XenChanged);
        Assert.Contains(new KernelChange("linux-lts", "x86_64", "6.12.58-r0", "5.15.78-r0"), variables.Kernels);
    }

    [Fact]
    public void Should_take_the_newest_boot_package_of_all_repositories_and_see_no_change_between_equal_snapshots()
    {
        // Given two snapshots of the same main index, each with a community index listing a newer linux-virt
        var root = new MirrorRoot(Path.Combine(_directory.FullName, "alpine"));
        using var key = SigningKey.Create("tests@example.org-5f0c1e9a");
        var keysDirectory = Directory.CreateDirectory(Path.Combine(_directory.FullName, "keys")).FullName;
        foreach (var alpineKey in Directory.GetFiles(Fixtures.AlpineKeys))
        {
            File.Copy(alpineKey, Path.Combine(keysDirectory, Path.GetFileName(alpineKey)));
        }

        key.WritePublicKey(keysDirectory);
        foreach (var name in new[] { "3.16.3", "3.16.3.1" })
        {
            Publish(root, name, Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"));
            var community = Directory.CreateDirectory(Path.Combine(root.SnapshotPath(name), "community", "x86_64")).FullName;
            new RepositoryWriter(key).WriteIndex(community, [Entry("linux-virt", "5.15.80-r0"), Entry("linux-virt", "5.15.79-r0")], "community");
        }

        using var keys = TrustedKeys.Load(keysDirectory);

        // When the variables of 3.16.3.1 after 3.16.3 are read, for the v3.16 branch given by the operator
        var variables = DeployVariables.FromPublished(root, "3.16.3.1", previous: "3.16.3", keys, branch: "v3.16");

        // Then linux-virt is the newest of main's and community's, and nothing changed
        Assert.Equal("5.15.80-r0", variables.LinuxVirtVersion);
        Assert.Equal("5.15.78-r0", variables.LinuxLtsVersion);
        Assert.False(variables.KernelChanged);
        Assert.False(variables.XenChanged);
    }

    [Fact]
    public void Should_refuse_an_index_no_trusted_key_signed_and_a_snapshot_that_is_not_published()
    {
        var root = new MirrorRoot(Path.Combine(_directory.FullName, "alpine"));
        Publish(root, "3.16.3", Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"));
        using var stranger = SigningKey.Create("stranger@example.org-00000001");
        var keysDirectory = Directory.CreateDirectory(Path.Combine(_directory.FullName, "stranger-keys")).FullName;
        stranger.WritePublicKey(keysDirectory);
        using var strangerKeys = TrustedKeys.Load(keysDirectory);
        using var alpineKeys = TrustedKeys.Load(Fixtures.AlpineKeys);

        Assert.Throws<SignatureException>(() => DeployVariables.FromPublished(root, "3.16.3", previous: null, strangerKeys));
        var missing = Assert.Throws<StorageException>(() => DeployVariables.FromPublished(root, "3.16.3", previous: "3.16.2", alpineKeys));
        Assert.Equal(root.SnapshotPath("3.16.2"), missing.Source);
        Assert.Throws<ArgumentException>(() => DeployVariables.FromPublished(root, "../etc", previous: null, alpineKeys));
    }

    private static MirrorPlan Plan(string snapshot, string? previous, string[] archs, IReadOnlyList<KernelChange> kernels) => new()
    {
        Snapshot = snapshot,
        PreviousSnapshot = previous,
        Branch = "v3.15",
        Upstream = new Uri("http://127.0.0.1/alpine/"),
        Repositories = archs.Select(arch => new RepositoryPlan
        {
            Repo = "main",
            Arch = arch,
            Index = ReadOnlyMemory<byte>.Empty,
            Packages = [],
            Added = [],
            Updated = [],
            Removed = [],
            Unchanged = 0,
            ToFetch = [],
            IndexChanged = false,
        }).ToList(),
        Releases = [],
        Kernels = kernels,
    };

    private static void Publish(MirrorRoot root, string name, string mainIndex)
    {
        var main = Directory.CreateDirectory(Path.Combine(root.SnapshotPath(name), "main", "x86_64")).FullName;
        File.Copy(mainIndex, Path.Combine(main, "APKINDEX.tar.gz"));
        Directory.CreateDirectory(Path.Combine(root.SnapshotPath(name), "releases", "x86_64"));
    }

    private static ApkIndexEntry Entry(string name, string version) => new()
    {
        Checksum = ApkChecksum.FormatSha1(SHA1.HashData(Encoding.ASCII.GetBytes(name + version))),
        Name = name,
        Version = version,
        Arch = "x86_64",
        Size = 1024,
    };
}
