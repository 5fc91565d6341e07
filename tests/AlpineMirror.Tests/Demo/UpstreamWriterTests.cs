using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Apk;
using AlpineMirror.Demo;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Demo;

public sealed class UpstreamWriterTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("alpinemirror-upstream-");
    private readonly SigningKey _key = SigningKey.Create("demo@example.org");

    public void Dispose()
    {
        _key.Dispose();
        _root.Delete(recursive: true);
    }

    private string Root(string name = "upstream") => Path.Combine(_root.FullName, name);

    private static string ReleaseFolder(WrittenRelease written) => Path.Combine(written.BranchDirectory, "releases", "x86_64");

    [Fact]
    public void Should_write_indexes_that_verify_with_the_written_key_and_list_exactly_the_written_packages()
    {
        // Given the demo's first release written by a fresh key
        var (first, _) = UpstreamGenerator.Demo();
        var written = new UpstreamWriter(_key).Write(Root(), first);

        // When each repository's index is read with the keys folder the writer filled
        using var keys = TrustedKeys.Load(written.KeysDirectory);
        foreach (var (repository, packages) in first.Repositories)
        {
            var folder = Path.Combine(written.BranchDirectory, repository, "x86_64");
            var index = ApkIndexReader.Read(Path.Combine(folder, "APKINDEX.tar.gz"), keys);

            // Then it is signed like Alpine's, describes the release, and lists the release's packages and the .apk files present
            Assert.Equal((_key.KeyName, "RSA"), (index.SignedBy, index.SignatureAlgorithm));
            Assert.StartsWith("v3.15.4-", index.Description);
            var listed = index.Entries.Select(entry => entry.FileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(packages.Select(package => $"{package.Name}-{package.Version}.apk").Order(StringComparer.Ordinal), listed);
            Assert.Equal(listed, Directory.GetFiles(folder, "*.apk").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal));
        }

        Assert.Equal([_key.KeyName], keys.Names);
        Assert.Equal((34, first.PackageCount), (written.PackageCount, first.PackageCount));
    }

    [Fact]
    public async Task Should_write_packages_that_verify_against_their_index_entries()
    {
        // Given the demo's second release
        var (_, second) = UpstreamGenerator.Demo();
        var written = new UpstreamWriter(_key).Write(Root(), second);
        using var keys = TrustedKeys.Load(written.KeysDirectory);

        foreach (var repository in second.Repositories.Keys)
        {
            var folder = Path.Combine(written.BranchDirectory, repository, "x86_64");
            var index = ApkIndexReader.Read(Path.Combine(folder, "APKINDEX.tar.gz"), keys);
            foreach (var entry in index.Entries)
            {
                // When each listed package is verified as the mirror verifies downloads
                var path = Path.Combine(folder, entry.FileName);
                await using var stream = File.OpenRead(path);
                await PackageVerifier.VerifyAsync(stream, entry, path, CancellationToken.None);

                // Then size, C:, datahash, P and V agree (VerifyAsync throws otherwise), and A: is the release's arch
                Assert.Equal("x86_64", entry.Arch);
            }
        }

        // and one damaged byte is noticed: the test above can fail
        var busybox = Path.Combine(written.BranchDirectory, "main", "x86_64", "busybox-1.34.1-r5.apk");
        var bytes = File.ReadAllBytes(busybox);
        bytes[^10] ^= 0xFF;
        var busyboxEntry = ApkIndexReader.Read(Path.Combine(written.BranchDirectory, "main", "x86_64", "APKINDEX.tar.gz"), keys)
            .Entries.Single(entry => entry.Name == "busybox");
        await Assert.ThrowsAsync<ChecksumMismatchException>(() =>
            PackageVerifier.VerifyAsync(new MemoryStream(bytes), busyboxEntry, busybox, CancellationToken.None));
    }

    [Fact]
    public void Should_sign_every_package_with_the_release_key_though_they_are_built_in_parallel()
    {
        // Given 300 synthetic packages, built concurrently with one key
        var written = new UpstreamWriter(_key).Write(Root(), UpstreamGenerator.Synthetic(300, 2048, seed: 8));
        using var keys = TrustedKeys.Load(written.KeysDirectory);
        var packages = Directory.GetFiles(written.BranchDirectory, "*.apk", SearchOption.AllDirectories);

        foreach (var path in packages)
        {
            // When each package's signature member is read and checked over its raw control member
            var members = RawGzipMembers.Split(File.ReadAllBytes(path));
            using var signatureTar = new MemoryStream();
            using (var gzip = new GZipStream(new MemoryStream(members[0]), CompressionMode.Decompress))
            {
                gzip.CopyTo(signatureTar);
            }

            signatureTar.Position = 0;
            var signature = keys.VerifyAny(ApkSignatureReader.Read(signatureTar, path), members[1], path);

            // Then it is one .SIGN.RSA. (SHA-1) signature by the release key, as abuild-sign makes for Alpine
            Assert.Equal((3, "RSA", _key.KeyName), (members.Count, signature.Algorithm, signature.KeyName));
        }

        Assert.Equal(300, packages.Length);
    }

    [Fact]
    public void Should_announce_the_images_in_latest_releases_yaml_with_the_sizes_and_checksums_of_the_files()
    {
        // Given the demo's first release
        var (first, _) = UpstreamGenerator.Demo();
        var written = new UpstreamWriter(_key).Write(Root(), first);
        var folder = ReleaseFolder(written);

        // When latest-releases.yaml is parsed by the mirror's own parser
        var releases = LatestReleases.Parse(File.ReadAllBytes(Path.Combine(folder, "latest-releases.yaml")), "latest-releases.yaml");

        // Then it announces 3.15.4 with the netboot, standard and virt images, each matching the file beside it
        Assert.Equal("3.15.4", releases.Version);
        Assert.Equal(
            ["alpine-netboot-3.15.4-x86_64.tar.gz", "alpine-standard-3.15.4-x86_64.iso", "alpine-virt-3.15.4-x86_64.iso"],
            releases.Images.Select(image => image.File));
        Assert.Equal(["alpine-netboot", "alpine-standard", "alpine-virt"], releases.Images.Select(image => image.Flavor));
        foreach (var image in releases.Images)
        {
            var content = File.ReadAllBytes(Path.Combine(folder, image.File));
            Assert.Equal(content.Length, image.Size);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), image.Sha256);
            Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(content)), image.Sha512);
            Assert.Equal(("v3.15", "x86_64", "3.15.4", image.File), (image.Branch, image.Arch, image.Version, image.Iso));
            Assert.Equal(("2022-04-04", "15:41:23"), (image.Date, image.Time));
            Assert.False(string.IsNullOrWhiteSpace(image.Title));
            Assert.Contains("\n", image.Description);
        }
    }

    [Fact]
    public void Should_write_checksum_files_that_sha256sum_and_sha512sum_accept()
    {
        // Given the demo's first release
        var (first, _) = UpstreamGenerator.Demo();
        var folder = ReleaseFolder(new UpstreamWriter(_key).Write(Root(), first));
        var sha256Files = Directory.GetFiles(folder, "*.sha256").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToList();

        // When the real coreutils check them in the release folder
        var sha256 = ExternalCommand.Require("sha256sum", ["--strict", "-c", .. sha256Files], workingDirectory: folder);
        var sha512 = ExternalCommand.Require("sha512sum", ["--strict", "-c", .. sha256Files.Select(name => name[..^".sha256".Length] + ".sha512")], workingDirectory: folder);

        // Then every image is OK, and each file names its image by basename as "<hex>  <name>\n"
        Assert.Equal(3, sha256Files.Count);
        Assert.Equal(3, sha256.OutputText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => line.EndsWith(": OK")));
        Assert.Equal(3, sha512.OutputText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => line.EndsWith(": OK")));
        var iso = "alpine-standard-3.15.4-x86_64.iso";
        Assert.Matches($"^[0-9a-f]{{64}}  {iso.Replace(".", "\\.")}\n$", File.ReadAllText(Path.Combine(folder, iso + ".sha256")));

        // and a damaged image is caught: the check can fail
        File.AppendAllText(Path.Combine(folder, iso), "x");
        Assert.NotEqual(0, ExternalCommand.Run("sha256sum", ["-c", iso + ".sha256"], workingDirectory: folder).ExitCode);
    }

    [Fact]
    public void Should_write_a_netboot_tarball_that_tar_lists_and_a_netboot_folder_with_the_same_files()
    {
        // Given the demo's second release, whose kernels are 5.15.41-r0
        var (_, second) = UpstreamGenerator.Demo();
        var folder = ReleaseFolder(new UpstreamWriter(_key).Write(Root(), second));
        var tarball = Path.Combine(folder, "alpine-netboot-3.15.5-x86_64.tar.gz");

        // When GNU tar lists and extracts the tarball
        var listing = ExternalCommand.Require("tar", ["-tzf", tarball]).OutputText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var extracted = Directory.CreateDirectory(Path.Combine(_root.FullName, "extracted")).FullName;
        ExternalCommand.Require("tar", ["-xzf", tarball, "-C", extracted]);

        // Then it holds boot/ with the five files of each flavor, each naming its kernel release
        string[] expected =
        [
            "System.map-lts", "System.map-virt", "config-lts", "config-virt", "initramfs-lts", "initramfs-virt",
            "modloop-lts", "modloop-virt", "vmlinuz-lts", "vmlinuz-virt",
        ];
        Assert.Equal(["boot/", .. expected.Select(name => "boot/" + name)], listing);
        foreach (var name in expected)
        {
            var content = File.ReadAllBytes(Path.Combine(extracted, "boot", name));
            var kernelRelease = name.EndsWith("-lts") ? "5.15.41-0-lts" : "5.15.41-0-virt";
            Assert.Contains(kernelRelease, Encoding.Latin1.GetString(content));

            // and netboot-3.15.5/ holds the same bytes, reached through the relative link netboot
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(folder, "netboot-3.15.5", name)));
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(folder, "netboot", name)));
        }

        Assert.Equal("netboot-3.15.5", new DirectoryInfo(Path.Combine(folder, "netboot")).LinkTarget);
        Assert.Equal(expected, Directory.GetFiles(Path.Combine(folder, "netboot-3.15.5")).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Should_ship_the_netboot_kernel_inside_the_linux_lts_package()
    {
        // Given the demo's first release
        var (first, _) = UpstreamGenerator.Demo();
        var folder = ReleaseFolder(new UpstreamWriter(_key).Write(Root(), first));
        var linuxLts = first.Repositories["main"].Single(package => package.Name == "linux-lts");

        // When the package's boot/vmlinuz-lts is compared with the netboot one
        var packaged = linuxLts.Files.Single(file => file.Path == "boot/vmlinuz-lts").Content.ToArray();

        // Then they are the same kernel, as on a real mirror
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "netboot", "vmlinuz-lts")), packaged);
    }

    [Fact]
    public void Should_replace_the_previous_release_when_the_next_is_written_into_the_same_root()
    {
        // Given an upstream root holding the demo's first release, an unrelated branch, and a stray file
        var (first, second) = UpstreamGenerator.Demo();
        var writer = new UpstreamWriter(_key);
        var root = Root();
        writer.Write(root, first);
        var otherBranch = Directory.CreateDirectory(Path.Combine(root, "v3.14", "main", "x86_64")).FullName;
        File.WriteAllText(Path.Combine(otherBranch, "APKINDEX.tar.gz"), "another branch");
        var stray = Path.Combine(root, "v3.15", "main", "x86_64", "stray-1.0-r0.apk");
        File.WriteAllText(stray, "left by someone");
        var busybox = Path.Combine(root, "v3.15", "main", "x86_64", "busybox-1.34.1-r5.apk");
        var longAgo = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(busybox, longAgo);

        // When the second release is written into the same root
        var written = writer.Write(root, second);

        // Then old versions, the removed package, the stray file and the old release files are gone
        var main = Path.Combine(written.BranchDirectory, "main", "x86_64");
        var community = Path.Combine(written.BranchDirectory, "community", "x86_64");
        Assert.False(File.Exists(Path.Combine(main, "linux-lts-5.15.40-r0.apk")));
        Assert.True(File.Exists(Path.Combine(main, "linux-lts-5.15.41-r0.apk")));
        Assert.False(File.Exists(Path.Combine(community, "neofetch-7.1.0-r0.apk")));
        Assert.True(File.Exists(Path.Combine(community, "btop-1.2.8-r0.apk")));
        Assert.False(File.Exists(stray));
        var releases = ReleaseFolder(written);
        Assert.Empty(Directory.GetFileSystemEntries(releases, "*3.15.4*"));
        Assert.Equal("netboot-3.15.5", new DirectoryInfo(Path.Combine(releases, "netboot")).LinkTarget);

        // and the indexes list the new packages exactly, the unchanged files are untouched, other branches too
        using var keys = TrustedKeys.Load(written.KeysDirectory);
        foreach (var (repository, packages) in second.Repositories)
        {
            var folder = Path.Combine(written.BranchDirectory, repository, "x86_64");
            var index = ApkIndexReader.Read(Path.Combine(folder, "APKINDEX.tar.gz"), keys);
            Assert.Equal(
                packages.Select(package => $"{package.Name}-{package.Version}.apk").Order(StringComparer.Ordinal),
                Directory.GetFiles(folder, "*.apk").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal));
            Assert.Equal(packages.Count, index.Entries.Count);
        }

        Assert.Equal(longAgo, File.GetLastWriteTimeUtc(busybox));
        Assert.Equal(second.PackageCount - 8, written.ReusedPackageCount);
        Assert.Equal("another branch", File.ReadAllText(Path.Combine(otherBranch, "APKINDEX.tar.gz")));
    }

    [Fact]
    public void Should_rebuild_a_reused_file_that_changed_since_it_was_written()
    {
        // Given a synthetic release written once, then one of its packages damaged on disk
        var release = UpstreamGenerator.Synthetic(20, 4096, seed: 2);
        var writer = new UpstreamWriter(_key);
        var written = writer.Write(Root(), release);
        var package = release.Repositories["community"][0];
        var path = Path.Combine(written.BranchDirectory, "community", "x86_64", $"{package.Name}-{package.Version}.apk");
        var original = File.ReadAllBytes(path);
        File.WriteAllBytes(path, [.. original[..^1], (byte)(original[^1] ^ 1)]);

        // When the same release is written again by the same writer
        var again = writer.Write(Root(), release);

        // Then the damaged package is built afresh, the others are reused
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal(release.PackageCount - 1, again.ReusedPackageCount);
    }

    [Fact]
    public void Should_write_byte_identical_trees_for_the_same_release_and_key()
    {
        // Given one synthetic release generated twice and written by two writers with one key into two roots
        var first = new UpstreamWriter(_key).Write(Root("a"), UpstreamGenerator.Synthetic(60, 8192, seed: 7));
        var second = new UpstreamWriter(_key).Write(Root("b"), UpstreamGenerator.Synthetic(60, 8192, seed: 7));

        // When the trees are compared file by file
        static Dictionary<string, string> Tree(string root) => Directory
            .EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(path => new FileInfo(path).LinkTarget is null)
            .ToDictionary(path => Path.GetRelativePath(root, path), path => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))));
        var a = Tree(first.Root);
        var b = Tree(second.Root);

        // Then they are identical: packages, signed indexes, images and checksums (none was reused, both built)
        Assert.Equal(a.OrderBy(pair => pair.Key), b.OrderBy(pair => pair.Key));
        Assert.Equal((0, 0), (first.ReusedPackageCount, second.ReusedPackageCount));
        Assert.Equal(60 + 2, a.Keys.Count(path => path.EndsWith(".apk") || path.EndsWith("APKINDEX.tar.gz")));
    }

    [Fact]
    public void Should_write_packages_of_about_the_requested_size()
    {
        // When 200 synthetic packages of about 20 KB are written
        var written = new UpstreamWriter(_key).Write(Root(), UpstreamGenerator.Synthetic(200, 20_000, seed: 4));

        // Then their files average within 5 % of 20 KB and none is off by more than 10 %
        var sizes = Directory.EnumerateFiles(written.BranchDirectory, "*.apk", SearchOption.AllDirectories).Select(path => new FileInfo(path).Length).ToList();
        Assert.Equal(200, sizes.Count);
        Assert.InRange(sizes.Average(), 19_000, 21_000);
        Assert.All(sizes, size => Assert.InRange(size, 18_000, 22_000));
        Assert.Equal(sizes.Sum(), written.PackageBytes);
    }

    [Fact]
    public void Should_refuse_a_release_without_linux_lts_before_writing_anything()
    {
        // Given a release without any kernel package
        var release = UpstreamGenerator.Synthetic(10, 4096, seed: 1);
        var withoutKernel = release with
        {
            Repositories = release.Repositories.ToDictionary(
                pair => pair.Key,
                pair => (IReadOnlyList<PackageSpec>)[.. pair.Value.Where(package => !package.Name.StartsWith("linux-"))]),
        };

        // When it is written, then the writer refuses, names the missing package, and leaves the root empty
        var error = Assert.Throws<ArgumentException>(() => new UpstreamWriter(_key).Write(Root(), withoutKernel));
        Assert.Contains("linux-lts", error.Message);
        Assert.False(Directory.Exists(Root()));
    }

    [Fact]
    public void Should_refuse_a_package_of_another_architecture()
    {
        // Given the demo release with one package built for aarch64
        var (first, _) = UpstreamGenerator.Demo();
        var mixed = first with
        {
            Repositories = first.Repositories.ToDictionary(
                pair => pair.Key,
                pair => (IReadOnlyList<PackageSpec>)[.. pair.Value.Select(package => package.Name == "zlib" ? package with { Arch = "aarch64" } : package)]),
        };

        // When it is written, then the writer refuses and names the package and both arches
        var error = Assert.Throws<ArgumentException>(() => new UpstreamWriter(_key).Write(Root(), mixed));
        Assert.Contains("main/zlib-1.2.12-r0 arch: expected x86_64", error.Message);
        Assert.Contains("'aarch64'", error.Message);
    }
}
