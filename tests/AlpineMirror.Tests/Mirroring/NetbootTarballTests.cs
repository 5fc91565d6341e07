using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using AlpineMirror.Mirroring;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Mirroring;

public sealed class NetbootTarballTests : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("alpinemirror-netboot-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Should_unpack_only_the_regular_files_under_boot()
    {
        // Given a tarball as mkimg.netboot.sh makes it, plus entries that are not part of boot/
        var tarball = Tarball(
            Directory("boot/"),
            File("boot/vmlinuz-lts", "kernel"),
            File("./boot/initramfs-lts", "initramfs"),
            Directory("boot/dtbs-lts/"),
            File("boot/dtbs-lts/rpi/board.dtb", "dtb"),
            Link(TarEntryType.SymbolicLink, "boot/vmlinuz", "vmlinuz-lts"),
            File("README", "outside boot/"));
        var target = Path.Combine(_directory.FullName, "netboot-3.15.5");

        // When unpacked
        var count = NetbootTarball.Extract(tarball, target, CancellationToken.None);

        // Then exactly the boot/ files are there, without the boot/ prefix, and the folder matches its tarball
        Assert.Equal(3, count);
        Assert.Equal(["dtbs-lts/rpi/board.dtb", "initramfs-lts", "vmlinuz-lts"],
            System.IO.Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(target, p)).Order(StringComparer.Ordinal));
        Assert.Equal("kernel", System.IO.File.ReadAllText(Path.Combine(target, "vmlinuz-lts")));
        Assert.Empty(NetbootTarball.Differences(tarball, target, "netboot-3.15.5", 10, CancellationToken.None));
    }

    [Theory]
    [InlineData("boot/../../etc/cron.d/evil")]
    [InlineData("../boot/vmlinuz-lts")]
    [InlineData("/boot/vmlinuz-lts")]
    [InlineData("boot/vmlinuz\u001b[2Jlts")]
    public void Should_refuse_an_entry_name_that_climbs_out(string name)
    {
        var tarball = Tarball(File("boot/vmlinuz-lts", "kernel"), File(name, "payload"));
        var target = Path.Combine(_directory.FullName, "netboot");

        var error = Assert.Throws<ReleaseFormatException>(() => NetbootTarball.Extract(tarball, target, CancellationToken.None));

        Assert.True(error.Message.Contains("entry name: expected a relative path without '..', got '", StringComparison.Ordinal), error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(System.IO.File.Exists(Path.Combine(_directory.FullName, "etc/cron.d/evil")));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "boot/modloop-lts", "../../etc/shadow")]
    [InlineData(TarEntryType.SymbolicLink, "boot/modloop-lts", "/etc/shadow")]
    [InlineData(TarEntryType.SymbolicLink, "boot/sub/modloop-lts", "../../README")]
    [InlineData(TarEntryType.HardLink, "boot/modloop-lts", "etc/shadow")]
    public void Should_refuse_a_link_pointing_out_of_boot(TarEntryType type, string name, string target)
    {
        var tarball = Tarball(File("boot/vmlinuz-lts", "kernel"), Link(type, name, target));

        var error = Assert.Throws<ReleaseFormatException>(() =>
            NetbootTarball.Extract(tarball, Path.Combine(_directory.FullName, "netboot"), CancellationToken.None));

        Assert.Contains($"link target: expected a path inside boot/, got '{target}'", error.Message);
    }

    [Fact]
    public void Should_name_what_differs_between_a_folder_and_its_tarball()
    {
        // Given an unpacked folder with one file changed, one removed and one added
        var tarball = Tarball(File("boot/vmlinuz-lts", "kernel"), File("boot/initramfs-lts", "initramfs"), File("boot/config-lts", "config"));
        var target = Path.Combine(_directory.FullName, "netboot-3.15.5");
        NetbootTarball.Extract(tarball, target, CancellationToken.None);
        System.IO.File.Delete(Path.Combine(target, "vmlinuz-lts"));
        System.IO.File.WriteAllText(Path.Combine(target, "vmlinuz-lts"), "kernEl");
        System.IO.File.Delete(Path.Combine(target, "config-lts"));
        System.IO.File.WriteAllText(Path.Combine(target, "extra"), "x");
        System.IO.File.Delete(Path.Combine(target, "initramfs-lts"));
        System.IO.File.WriteAllText(Path.Combine(target, "initramfs-lts"), "short");

        // When compared
        var differences = NetbootTarball.Differences(tarball, target, "releases/x86_64/netboot-3.15.5", 10, CancellationToken.None);

        // Then each is named with its path
        Assert.Equal(
        [
            "releases/x86_64/netboot-3.15.5/config-lts: missing, expected a regular file from the netboot tarball",
            "releases/x86_64/netboot-3.15.5/extra: not in netboot.tar.gz, expected no such entry",
            "releases/x86_64/netboot-3.15.5/initramfs-lts: size: expected 9, got 5",
            "releases/x86_64/netboot-3.15.5/vmlinuz-lts: content: expected the tarball's bytes, got different bytes within 0..6",
        ], differences.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Should_refuse_a_tarball_that_is_not_gzip()
    {
        var tarball = Path.Combine(_directory.FullName, "netboot.tar.gz");
        System.IO.File.WriteAllText(tarball, "not a tarball");

        var error = Assert.Throws<ReleaseFormatException>(() =>
            NetbootTarball.Extract(tarball, Path.Combine(_directory.FullName, "netboot"), CancellationToken.None));

        Assert.Contains("malformed netboot tarball", error.Message);
    }

    private string Tarball(params TarEntry[] entries)
    {
        var path = Path.Combine(_directory.FullName, "netboot.tar.gz");
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var entry in entries)
        {
            tar.WriteEntry(entry);
        }

        return path;
    }

    private static TarEntry File(string name, string content) =>
        new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };

    private static TarEntry Directory(string name) => new PaxTarEntry(TarEntryType.Directory, name);

    private static TarEntry Link(TarEntryType type, string name, string target) => new PaxTarEntry(type, name) { LinkName = target };
}
