using System.Text;
using System.Text.Json;
using AlpineMirror.Apk;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.Deploy;

/// <summary>
/// The extra vars a deployment receives (<see cref="ToJson"/>): the snapshot now current, the one before it, where its
/// netboot files are, and the kernel and Xen versions with whether they changed. Built from a plan after an update
/// (<see cref="FromPlan"/>) or from the published snapshots after a rollback (<see cref="FromPublished"/>).
/// </summary>
/// <remarks>
/// The top-level variables describe the first architecture the operator listed (<c>--arch</c>, x86_64 by default), as
/// they always did; a mixed fleet (x86_64 stations and Raspberry Pi aarch64 ones) finds every configured architecture
/// in <c>alpine_arches</c> and each one's netboot path and versions in <c>alpine_arch_vars</c>.
/// </remarks>
public sealed record DeployVariables
{
    public const string DefaultArch = "x86_64";
    private const string NetbootLinkName = "netboot";

    /// <summary>The snapshot being deployed, e.g. 3.15.5 (<c>alpine_version</c>).</summary>
    public required string Version { get; init; }
    /// <summary>The snapshot current before, kept for rollback; null on a first publication (<c>alpine_previous_version</c>).</summary>
    public required string? PreviousVersion { get; init; }
    /// <summary>The upstream branch, e.g. v3.15 (<c>alpine_branch</c>).</summary>
    public required string Branch { get; init; }
    /// <summary>The mirror root, an absolute path (<c>alpine_root</c>).</summary>
    public required string Root { get; init; }
    /// <summary>The first architecture, described by the top-level variables; named by <see cref="NetbootPath"/>.</summary>
    public required string Arch { get; init; }
    /// <summary>linux-lts, linux-virt, xen and xen-hypervisor of every architecture, from the previous snapshot to this one.</summary>
    public required IReadOnlyList<KernelChange> Kernels { get; init; }

    private readonly IReadOnlyList<string>? _archs;

    /// <summary>Every configured architecture, <see cref="Arch"/> first (<c>alpine_arches</c>).</summary>
    public IReadOnlyList<string> Archs
    {
        get => _archs ?? [Arch];
        init => _archs = value;
    }

    /// <summary><c>&lt;root&gt;/&lt;version&gt;</c> (<c>alpine_snapshot_path</c>).</summary>
    public string SnapshotPath => Path.Combine(Root, Version);

    /// <summary>
    /// <c>&lt;root&gt;/&lt;version&gt;/releases/&lt;arch&gt;/netboot</c>, the link to <c>netboot-&lt;release&gt;</c> the
    /// mirror keeps beside it (<c>alpine_netboot_path</c>).
    /// </summary>
    public string NetbootPath => NetbootPathOf(Arch);

    /// <summary><c>linux_lts_version</c>: null when the snapshot has no linux-lts for <see cref="Arch"/>.</summary>
    public string? LinuxLtsVersion => LinuxLtsVersionOf(Arch);
    /// <summary><c>linux_virt_version</c>.</summary>
    public string? LinuxVirtVersion => LinuxVirtVersionOf(Arch);
    /// <summary><c>xen_version</c>: xen-hypervisor (what boots), else xen (the tools; Alpine builds both from one source).</summary>
    public string? XenVersion => XenVersionOf(Arch);
    /// <summary><c>kernel_changed</c>: linux-lts or linux-virt of <see cref="Arch"/> differ from the previous snapshot.</summary>
    public bool KernelChanged => KernelChangedOf(Arch);
    /// <summary><c>xen_changed</c>: xen or xen-hypervisor of <see cref="Arch"/> differ from the previous snapshot.</summary>
    public bool XenChanged => XenChangedOf(Arch);

    /// <summary>The variables for the snapshot <paramref name="plan"/> publishes under <paramref name="root"/>.</summary>
    /// <exception cref="ArgumentException">The plan names no valid snapshot.</exception>
    public static DeployVariables FromPlan(MirrorPlan plan, string root)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(root);
        RequireSnapshotName(plan.Snapshot, nameof(plan));

        // Repositories are planned in the operator's --arch order, releases too when they are mirrored.
        var archs = plan.Repositories.Select(r => r.Arch)
            .Concat(plan.Releases.Select(r => r.Arch))
            .Concat(plan.Kernels.Select(k => k.Arch))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new DeployVariables
        {
            Version = plan.Snapshot,
            PreviousVersion = plan.PreviousSnapshot,
            Branch = plan.Branch,
            Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)),
            Arch = archs.FirstOrDefault() ?? DefaultArch,
            Archs = archs.Count > 0 ? archs : [DefaultArch],
            Kernels = plan.Kernels,
        };
    }

    /// <summary>
    /// The variables for the published snapshot <paramref name="snapshot"/> (a rollback target), compared with
    /// <paramref name="previous"/> (the snapshot current before); versions come from each snapshot's own signed
    /// <c>APKINDEX.tar.gz</c> files of each of <paramref name="archs"/> (x86_64 when none), verified with <paramref name="keys"/>.
    /// </summary>
    /// <param name="branch">The upstream branch; null derives <c>v&lt;major&gt;.&lt;minor&gt;</c> from the snapshot name.</param>
    /// <exception cref="ArgumentException">A name is not a snapshot name.</exception>
    /// <exception cref="StorageException">A snapshot is not published under the root.</exception>
    /// <exception cref="SignatureException">An index is not signed by a trusted key.</exception>
    /// <exception cref="ApkFormatException">An index is malformed.</exception>
    public static DeployVariables FromPublished(
        MirrorRoot root, string snapshot, string? previous, TrustedKeys keys, IReadOnlyList<string>? archs = null, string? branch = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(keys);
        archs = archs is { Count: > 0 } ? archs : [DefaultArch];
        RequireSnapshotName(snapshot, nameof(snapshot));
        if (previous is not null)
        {
            RequireSnapshotName(previous, nameof(previous));
        }

        // The published tree was verified before Relink, but it has sat on disk since: the deployment pushes kernels
        // to every station, so the versions it names are read through the same signature check as upstream's.
        var kernels = new List<KernelChange>();
        foreach (var arch in archs)
        {
            var after = BootVersions(root, snapshot, arch, keys);
            var before = previous is null ? [] : BootVersions(root, previous, arch, keys);
            kernels.AddRange(KernelChange.BootPackages
                .Where(package => before.ContainsKey(package) || after.ContainsKey(package))
                .Select(package => new KernelChange(package, arch, before.GetValueOrDefault(package), after.GetValueOrDefault(package))));
        }

        var version = SnapshotName.Parse(snapshot);
        return new DeployVariables
        {
            Version = snapshot,
            PreviousVersion = previous,
            Branch = branch ?? $"v{version.Major}.{version.Minor}",
            Root = Path.TrimEndingDirectorySeparator(root.Path),
            Arch = archs[0],
            Archs = archs,
            Kernels = kernels,
        };
    }

    /// <summary>
    /// The extra vars as one JSON object: <c>alpine_version</c>, <c>alpine_previous_version</c>, <c>alpine_branch</c>,
    /// <c>alpine_root</c>, <c>alpine_snapshot_path</c>, <c>alpine_netboot_path</c>, <c>linux_lts_version</c>,
    /// <c>linux_virt_version</c>, <c>xen_version</c>, <c>kernel_changed</c>, <c>xen_changed</c> (of the first architecture),
    /// <c>alpine_arches</c>, and <c>alpine_arch_vars</c>: per architecture <c>netboot_path</c>, the three versions and
    /// the two changes; absent versions are null.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes the object <see cref="ToJson"/> returns, e.g. as the value of AWX's <c>extra_vars</c>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("alpine_version", Version);
        writer.WriteString("alpine_previous_version", PreviousVersion);
        writer.WriteString("alpine_branch", Branch);
        writer.WriteString("alpine_root", Root);
        writer.WriteString("alpine_snapshot_path", SnapshotPath);
        writer.WriteString("alpine_netboot_path", NetbootPath);
        writer.WriteString("linux_lts_version", LinuxLtsVersion);
        writer.WriteString("linux_virt_version", LinuxVirtVersion);
        writer.WriteString("xen_version", XenVersion);
        writer.WriteBoolean("kernel_changed", KernelChanged);
        writer.WriteBoolean("xen_changed", XenChanged);
        writer.WriteStartArray("alpine_arches");
        foreach (var arch in Archs)
        {
            writer.WriteStringValue(arch);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("alpine_arch_vars");
        foreach (var arch in Archs)
        {
            writer.WriteStartObject(arch);
            writer.WriteString("netboot_path", NetbootPathOf(arch));
            writer.WriteString("linux_lts_version", LinuxLtsVersionOf(arch));
            writer.WriteString("linux_virt_version", LinuxVirtVersionOf(arch));
            writer.WriteString("xen_version", XenVersionOf(arch));
            writer.WriteBoolean("kernel_changed", KernelChangedOf(arch));
            writer.WriteBoolean("xen_changed", XenChangedOf(arch));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private string NetbootPathOf(string arch) => Path.Combine(SnapshotPath, UpstreamLayout.ReleasesPath(arch), NetbootLinkName);
    private string? LinuxLtsVersionOf(string arch) => VersionOf("linux-lts", arch);
    private string? LinuxVirtVersionOf(string arch) => VersionOf("linux-virt", arch);
    private string? XenVersionOf(string arch) => VersionOf("xen-hypervisor", arch) ?? VersionOf("xen", arch);
    private bool KernelChangedOf(string arch) => Changed(arch, "linux-");
    private bool XenChangedOf(string arch) => Changed(arch, "xen");

    private bool Changed(string arch, string packagePrefix) =>
        Kernels.Any(k => k.Arch == arch && k.Changed && k.Package.StartsWith(packagePrefix, StringComparison.Ordinal));

    private string? VersionOf(string package, string arch) => Kernels.FirstOrDefault(k => k.Package == package && k.Arch == arch)?.To;

    private static void RequireSnapshotName(string name, string parameter)
    {
        if (!SnapshotName.IsValid(name))
        {
            throw new ArgumentException($"expected a snapshot name like 3.15.5, got '{name}'", parameter);
        }
    }

    /// <summary>The newest version of each boot package across the snapshot's repositories for <paramref name="arch"/>.</summary>
    private static Dictionary<string, string> BootVersions(MirrorRoot root, string snapshot, string arch, TrustedKeys keys)
    {
        var path = root.SnapshotPath(snapshot);
        if (!Directory.Exists(path) || new DirectoryInfo(path).LinkTarget is not null)
        {
            throw new StorageException(path, $"expected the published snapshot {snapshot}, found no folder");
        }

        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        // Every repository folder (main, community, ...) with an index for the arch; releases/ has none.
        var indexes = new DirectoryInfo(path).EnumerateDirectories()
            .Select(repo => Path.Combine(repo.FullName, arch, UpstreamLayout.IndexFileName))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal);
        foreach (var index in indexes)
        {
            foreach (var entry in ApkIndexReader.Read(index, keys).Entries)
            {
                if (KernelChange.BootPackages.Contains(entry.Name)
                    && (!versions.TryGetValue(entry.Name, out var known) || ApkVersion.Compare(entry.Version, known) > 0))
                {
                    versions[entry.Name] = entry.Version;
                }
            }
        }

        return versions;
    }
}
