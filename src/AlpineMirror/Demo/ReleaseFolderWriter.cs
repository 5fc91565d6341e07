using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Upstream;

namespace AlpineMirror.Demo;

/// <summary>
/// Writes <c>&lt;branch&gt;/releases/&lt;arch&gt;/</c> as <c>mkimage.sh</c> and <c>mkimage-yaml.sh</c> lay it out
/// (APK-FORMAT.md §5): images, their <c>.sha256</c>/<c>.sha512</c> and OpenPGP <c>.asc</c>, <c>latest-releases.yaml</c>,
/// and the netboot folder.
/// </summary>
internal static class ReleaseFolderWriter
{
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101;
    private const UnixFileMode RegularFileMode = (UnixFileMode)0b110_100_100;

    /// <summary>Writes the release folder and returns the full path of every file, folder and link it holds.</summary>
    /// <exception cref="ArgumentException">The release has no linux-lts package, whose kernel the images carry.</exception>
    public static IReadOnlyList<string> Write(string branchDirectory, UpstreamRelease release, ReleaseSigner signer)
    {
        var kernels = KernelReleases(release);
        var directory = Path.Combine(branchDirectory, UpstreamLayout.ReleasesPath(release.Arch));
        Directory.CreateDirectory(directory);
        var written = new List<string> { Path.GetDirectoryName(directory)!, directory };

        var bootFiles = kernels
            .SelectMany(kernel => PackageContent.BootFiles(kernel.Flavor, kernel.Release))
            .OrderBy(file => file.Name, StringComparer.Ordinal)
            .ToList();
        var (version, arch) = (release.Version, release.Arch);
        var images = new (string Profile, string Title, string Description, string File, byte[] Content)[]
        {
            ("netboot", "Netboot", "Kernel, initramfs and modloop for\nnetboot.",
                $"alpine-netboot-{version}-{arch}.tar.gz", NetbootTarball(bootFiles, release.ReleasedAt)),
            ("standard", "Standard", "Alpine as it was intended.\nJust enough to get you started.\nNetwork connection is required.",
                $"alpine-standard-{version}-{arch}.iso", Iso(release, "standard", kernels[0].Release, 8192)),
            ("virt", "Virtual", "Similar to standard.\nSlimmed down kernel.\nOptimized for virtual systems.",
                $"alpine-virt-{version}-{arch}.iso", Iso(release, "virt", kernels[^1].Release, 6144)),
        };

        var yaml = new StringBuilder("---\n");
        foreach (var image in images)
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(image.Content));
            var sha512 = Convert.ToHexStringLower(SHA512.HashData(image.Content));
            written.Add(WriteReleaseFile(directory, image.File, image.Content, release));
            written.Add(WriteReleaseFile(directory, image.File + ".sha256", Encoding.ASCII.GetBytes($"{sha256}  {image.File}\n"), release));
            written.Add(WriteReleaseFile(directory, image.File + ".sha512", Encoding.ASCII.GetBytes($"{sha512}  {image.File}\n"), release));
            written.Add(WriteReleaseFile(directory, image.File + ".asc", signer.Sign(image.Content, release.ReleasedAt), release));

            // Field order of mkimage-yaml.sh, with the title and desc the release tooling adds in front.
            yaml.Append("-\n")
                .Append(CultureInfo.InvariantCulture, $"  title: \"{image.Title}\"\n")
                .Append("  desc: |\n")
                .Append(string.Concat(image.Description.Split('\n').Select(line => $"    {line}\n")))
                .Append(CultureInfo.InvariantCulture, $"  branch: {release.Branch}\n")
                .Append(CultureInfo.InvariantCulture, $"  arch: {arch}\n")
                .Append(CultureInfo.InvariantCulture, $"  version: {version}\n")
                .Append(CultureInfo.InvariantCulture, $"  flavor: alpine-{image.Profile}\n")
                .Append(CultureInfo.InvariantCulture, $"  file: {image.File}\n")
                .Append(CultureInfo.InvariantCulture, $"  iso: {image.File}\n")
                .Append(CultureInfo.InvariantCulture, $"  date: {release.ReleasedAt.UtcDateTime:yyyy-MM-dd}\n")
                .Append(CultureInfo.InvariantCulture, $"  time: {release.ReleasedAt.UtcDateTime:HH:mm:ss}\n")
                .Append(CultureInfo.InvariantCulture, $"  size: {image.Content.Length}\n")
                .Append(CultureInfo.InvariantCulture, $"  sha256: {sha256}\n")
                .Append(CultureInfo.InvariantCulture, $"  sha512: {sha512}\n");
        }

        written.Add(WriteReleaseFile(directory, UpstreamLayout.LatestReleasesFileName, Encoding.UTF8.GetBytes(yaml.ToString()), release));
        written.AddRange(WriteNetbootFolder(directory, $"netboot-{version}", bootFiles, release));
        return written;
    }

    /// <summary>The kernel release of each flavor present, linux-lts first; e.g. (lts, 5.15.40-0-lts).</summary>
    /// <exception cref="ArgumentException">The release has no linux-lts package.</exception>
    public static List<(string Flavor, string Release)> KernelReleases(UpstreamRelease release)
    {
        var kernels = new List<(string Flavor, string Release)>();
        foreach (var flavor in PackageContent.KernelFlavors)
        {
            var package = release.Repositories
                .OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .SelectMany(pair => pair.Value)
                .FirstOrDefault(candidate => candidate.Name == "linux-" + flavor);
            if (package is not null)
            {
                kernels.Add((flavor, PackageVersions.KernelRelease(package.Version, flavor)));
            }
        }

        if (kernels.Count == 0 || kernels[0].Flavor != "lts")
        {
            throw new ArgumentException(
                $"release {release.Version}: expected a linux-lts package in some repository for the netboot and ISO images, found none", nameof(release));
        }

        return kernels;
    }

    /// <summary><c>netboot-&lt;version&gt;/</c> holding the boot files, and the relative link <c>netboot</c> → it (mkimg.netboot.sh).</summary>
    private static IEnumerable<string> WriteNetbootFolder(string directory, string folderName,
        IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> bootFiles, UpstreamRelease release)
    {
        var folder = Directory.CreateDirectory(Path.Combine(directory, folderName)).FullName;
        var written = new List<string> { folder };
        written.AddRange(bootFiles.Select(file => WriteReleaseFile(folder, file.Name, file.Content.Span, release)));

        var link = Path.Combine(directory, "netboot");
        var existing = new FileInfo(link);
        if (existing.LinkTarget != folderName)
        {
            if (existing.Exists || existing.LinkTarget is not null)
            {
                File.Delete(link);
            }
            else if (Directory.Exists(link))
            {
                Directory.Delete(link, recursive: true);
            }

            File.CreateSymbolicLink(link, folderName);
        }

        written.Add(link);
        return written;
    }

    /// <summary>Writes a release file dated like the release, so latest-releases.yaml's date and time agree with it as stat made them.</summary>
    private static string WriteReleaseFile(string directory, string name, ReadOnlySpan<byte> content, UpstreamRelease release)
    {
        var path = Path.Combine(directory, name);
        GeneratedFile.Write(path, content);
        File.SetLastWriteTimeUtc(path, release.ReleasedAt.UtcDateTime);
        return path;
    }

    /// <summary>A real tar.gz of <c>boot/</c> with the netboot files, owned by root and dated like the release.</summary>
    private static byte[] NetbootTarball(IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> bootFiles, DateTimeOffset releasedAt)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        {
            tar.WriteEntry(Entry(TarEntryType.Directory, "boot/", DirectoryMode, releasedAt, null));
            foreach (var (name, content) in bootFiles)
            {
                tar.WriteEntry(Entry(TarEntryType.RegularFile, "boot/" + name, RegularFileMode, releasedAt, content));
            }
        }

        return compressed.ToArray();
    }

    private static UstarTarEntry Entry(TarEntryType type, string name, UnixFileMode mode, DateTimeOffset modified, ReadOnlyMemory<byte>? content)
    {
        var entry = new UstarTarEntry(type, name)
        {
            Mode = mode,
            Uid = 0,
            Gid = 0,
            UserName = "root",
            GroupName = "root",
            ModificationTime = modified,
        };
        if (content is { } bytes)
        {
            entry.DataStream = new MemoryStream(bytes.ToArray(), writable: false);
        }

        return entry;
    }

    /// <summary>A few KB standing in for an ISO: a text naming release, profile and kernel, then deterministic noise.</summary>
    private static byte[] Iso(UpstreamRelease release, string profile, string kernelRelease, int length) =>
        PackageContent.TextAndNoise(
            $"Alpine Linux {release.Version} {profile} {release.Arch}, Linux {kernelRelease}\nA demo image made by AlpineMirror; it does not boot.\n",
            $"alpine-{profile}-{release.Version}-{release.Arch}.iso", length);
}
