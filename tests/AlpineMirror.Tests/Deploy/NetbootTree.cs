using AlpineMirror.Deploy;
using AlpineMirror.Planning;

namespace AlpineMirror.Tests.Deploy;

/// <summary>
/// A temporary mirror root holding one snapshot's netboot folder (<c>releases/x86_64/netboot-&lt;ver&gt;/</c> and the
/// <c>netboot</c> link to it, as the mirror leaves them) and an empty boot server folder beside it; deleted on dispose.
/// </summary>
internal sealed class NetbootTree : IDisposable
{
    public static readonly string[] Flavors = ["lts", "virt"];
    public static readonly string[] Kinds = ["vmlinuz", "initramfs", "modloop"];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-deploy-");

    public NetbootTree(string snapshot, string? previous, string release)
    {
        Root = Path.Combine(_directory.FullName, "alpine");
        BootRoot = Path.Combine(_directory.FullName, "tftp");
        Directory.CreateDirectory(BootRoot);
        Variables = new DeployVariables
        {
            Version = snapshot,
            PreviousVersion = previous,
            Branch = "v3.15",
            Root = Root,
            Arch = "x86_64",
            Kernels =
            [
                new KernelChange("linux-lts", "x86_64", "5.15.40-r0", "5.15.41-r0"),
                new KernelChange("linux-virt", "x86_64", "5.15.40-r0", "5.15.41-r0"),
                new KernelChange("xen-hypervisor", "x86_64", "4.15.2-r0", "4.15.2-r0"),
            ],
        };

        var releases = Path.Combine(Variables.SnapshotPath, "releases", "x86_64");
        var netboot = Directory.CreateDirectory(Path.Combine(releases, $"netboot-{release}")).FullName;
        foreach (var flavor in Flavors)
        {
            foreach (var kind in Kinds)
            {
                File.WriteAllText(Path.Combine(netboot, $"{kind}-{flavor}"), $"{kind}-{flavor} of Alpine {release}\n");
            }
        }

        File.CreateSymbolicLink(Path.Combine(releases, "netboot"), $"netboot-{release}");
    }

    public string Root { get; }

    /// <summary>The boot server's document root (the playbook's <c>boot_root</c>).</summary>
    public string BootRoot { get; }

    public string BootAlpine => Path.Combine(BootRoot, "alpine");

    public DeployVariables Variables { get; }

    /// <summary>A version folder a previous deployment left on the boot server, with an lts kernel.</summary>
    public void AddDeployedVersion(string version)
    {
        var folder = Directory.CreateDirectory(Path.Combine(BootAlpine, version)).FullName;
        foreach (var kind in Kinds)
        {
            File.WriteAllText(Path.Combine(folder, $"{kind}-lts"), $"{kind}-lts of Alpine {version}\n");
        }
    }

    /// <summary>A playbook written beside the tree, for runs that test the deployer rather than the sample playbook.</summary>
    public string WritePlaybook(string yaml)
    {
        var path = Path.Combine(_directory.FullName, $"playbook-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
