using System.Security.Cryptography;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Storage;

public sealed class SnapshotClonerTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("alpinemirror-clone-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Staging => Path.Combine(_root.FullName, ".alpinemirror", "staging", "3.15.5");

    // A published snapshot shaped like DESIGN.md §2: indexes and packages, release files, a netboot folder and its link.
    private static string WriteSnapshot(string parent)
    {
        var snapshot = Path.Combine(parent, "3.15.4");
        void Write(string relative, string content)
        {
            var path = Path.Combine(snapshot, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
            File.SetLastWriteTimeUtc(path, new DateTime(2022, 5, 12, 10, 0, 0, DateTimeKind.Utc).AddMinutes(content.Length));
        }

        Write("main/x86_64/APKINDEX.tar.gz", "main index");
        Write("main/x86_64/busybox-1.34.1-r5.apk", "busybox package");
        Write("main/x86_64/linux-lts-5.15.40-r0.apk", "kernel package");
        Write("community/x86_64/APKINDEX.tar.gz", "community index");
        Write("community/x86_64/htop-3.1.2-r0.apk", "htop package");
        Write("releases/x86_64/latest-releases.yaml", "- version: 3.15.4");
        Write("releases/x86_64/alpine-virt-3.15.4-x86_64.iso", "iso image");
        Write("releases/x86_64/alpine-virt-3.15.4-x86_64.iso.sha256", "checksum");
        Write("releases/x86_64/netboot-3.15.4/vmlinuz-lts", "kernel");
        Write("releases/x86_64/netboot-3.15.4/initramfs-lts", "initramfs");
        Write("releases/x86_64/.hidden-by-dot", "dot files are files too");
        File.CreateSymbolicLink(Path.Combine(snapshot, "releases/x86_64/netboot"), "netboot-3.15.4");
        File.CreateSymbolicLink(Path.Combine(snapshot, "releases/x86_64/latest.iso"), "alpine-virt-3.15.4-x86_64.iso");
        Directory.CreateDirectory(Path.Combine(snapshot, "testing/x86_64"));
        return snapshot;
    }

    // Content, modification time and mode of files; target text of links; mode of directories (whose mtime changes
    // whenever an entry is added, so it says nothing about the clone).
    private static Dictionary<string, (string Content, DateTime Modified, UnixFileMode Mode)> Fingerprint(string directory) =>
        new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .ToDictionary(
                info => Path.GetRelativePath(directory, info.FullName),
                info => info switch
                {
                    { LinkTarget: { } target } => ("-> " + target, default, default),
                    FileInfo file => (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName))), file.LastWriteTimeUtc, file.UnixFileMode),
                    _ => ("directory", default(DateTime), info.UnixFileMode),
                });

    [Fact]
    public async Task Should_create_directories_hard_link_files_and_recreate_symlinks_like_cp_al()
    {
        // Given a published snapshot
        var source = WriteSnapshot(_root.FullName);

        // When it is cloned into staging
        var result = await SnapshotCloner.CloneAsync(source, Staging, CancellationToken.None);

        // Then find(1) sees the same tree: files share the source's inode, directories and symlinks are new,
        // symlinks keep their target text, and the link to a directory was not followed
        var before = FileTree.List(source);
        var after = FileTree.List(Staging);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (path, original) in before)
        {
            var clone = after[path];
            Assert.Equal(original.Type, clone.Type);
            Assert.Equal(original.LinkTarget, clone.LinkTarget);
            if (original.Type == 'f')
            {
                Assert.Equal(original.Inode, clone.Inode);
                Assert.Equal(2, clone.Links);
            }
            else
            {
                Assert.NotEqual(original.Inode, clone.Inode);
            }
        }

        Assert.Equal("netboot-3.15.4", after["releases/x86_64/netboot"].LinkTarget);
        Assert.Equal(new CloneResult(DirectoriesCreated: 9, FilesLinked: 11, FilesCopied: 0, SymlinksCreated: 2, AlreadyPresent: 0, null), result);
        Assert.False(result.UsedCopyFallback);
    }

    [Fact]
    public async Task Should_leave_the_source_as_it_was_and_give_staging_the_same_content()
    {
        var source = WriteSnapshot(_root.FullName);
        var before = Fingerprint(source);

        await SnapshotCloner.CloneAsync(source, Staging, CancellationToken.None);

        Assert.Equal(before, Fingerprint(source));
        Assert.Equal(before, Fingerprint(Staging));
    }

    [Fact]
    public async Task Should_complete_an_interrupted_clone_and_leave_what_is_already_there_alone()
    {
        // Given a staging folder an interrupted run left: part of main cloned, and one package already replaced
        // by a download (a new inode, as AtomicFile writes it)
        var source = WriteSnapshot(_root.FullName);
        Directory.CreateDirectory(Path.Combine(Staging, "main/x86_64"));
        ExternalCommand.Require("ln", [Path.Combine(source, "main/x86_64/APKINDEX.tar.gz"), Path.Combine(Staging, "main/x86_64/APKINDEX.tar.gz")]);
        var downloaded = Path.Combine(Staging, "main/x86_64/busybox-1.34.1-r5.apk");
        await AtomicFile.WriteAllBytesAsync(downloaded, "busybox from upstream"u8.ToArray(), CancellationToken.None);

        // When the clone runs again, twice
        var resumed = await SnapshotCloner.CloneAsync(source, Staging, CancellationToken.None);
        var again = await SnapshotCloner.CloneAsync(source, Staging, CancellationToken.None);

        // Then the first run adds only what was missing and keeps the download; the second finds everything present
        Assert.Equal(new CloneResult(7, 9, 0, 2, 4, null), resumed);
        Assert.Equal("busybox from upstream", await File.ReadAllTextAsync(downloaded));
        Assert.Equal("busybox package", await File.ReadAllTextAsync(Path.Combine(source, "main/x86_64/busybox-1.34.1-r5.apk")));
        Assert.Equal(FileTree.List(source).Keys.Order(), FileTree.List(Staging).Keys.Order());
        Assert.Equal(new CloneResult(0, 0, 0, 0, 22, null), again);
    }

    [Fact]
    public async Task Should_copy_with_the_modification_time_when_hard_links_would_cross_file_systems()
    {
        // Given a snapshot on tmpfs (/dev/shm) and staging on the disk holding the temp folder
        var shm = Directory.CreateDirectory(Path.Combine("/dev/shm", "alpinemirror-clone-" + Guid.NewGuid().ToString("N")));
        try
        {
            var device = (string path) => ExternalCommand.Require("stat", ["-c", "%d", path]).OutputText;
            Assert.True(device(shm.FullName) != device(_root.FullName), "the test needs /dev/shm on another file system than the temp folder");
            var source = WriteSnapshot(shm.FullName);

            // When it is cloned
            var result = await SnapshotCloner.CloneAsync(source, Staging, CancellationToken.None);

            // Then link(2) failed with EXDEV, every file was copied with its content, mode and modification time,
            // symlinks were still recreated, and no temporary copy is left
            Assert.True(result.UsedCopyFallback);
            Assert.Contains("Invalid cross-device link", result.CopyFallbackReason);
            Assert.Equal((0, 11, 2), (result.FilesLinked, result.FilesCopied, result.SymlinksCreated));
            Assert.Equal(Fingerprint(source), Fingerprint(Staging));
            Assert.All(FileTree.List(Staging).Where(e => e.Value.Type == 'f'), e => Assert.Equal(1, e.Value.Links));
            Assert.DoesNotContain(FileTree.List(Staging).Keys, path => AtomicFile.IsTemporary(path));
        }
        finally
        {
            shm.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Should_clone_only_what_the_expected_tree_lists_and_only_as_what_it_lists()
    {
        // Given a published snapshot with strays and symlinks, and a tree listing some of its entries
        var source = WriteSnapshot(_root.FullName);
        File.CreateSymbolicLink(Path.Combine(source, "main/x86_64/passwd"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(source, "etc"), "/etc");
        var tree = new ExpectedTree()
            .Add("main/x86_64/APKINDEX.tar.gz", ExpectedEntry.File)
            .Add("main/x86_64/busybox-1.34.1-r5.apk", ExpectedEntry.File)
            .Add("main/x86_64/passwd", ExpectedEntry.File)
            .Add("releases/x86_64/latest-releases.yaml", ExpectedEntry.File)
            .Add("releases/x86_64/netboot-3.15.4", ExpectedEntry.Subtree)
            .Add("releases/x86_64/netboot", ExpectedEntry.Symlink)
            .Add("etc", ExpectedEntry.Folder);

        // When it is cloned with the tree
        var result = await SnapshotCloner.CloneAsync(source, Staging, tree, CancellationToken.None);

        // Then staging holds the listed files and folders, the whole subtree, and no symlink: not even a listed one
        Assert.Equal(
        [
            "main", "main/x86_64", "main/x86_64/APKINDEX.tar.gz", "main/x86_64/busybox-1.34.1-r5.apk",
            "releases", "releases/x86_64", "releases/x86_64/latest-releases.yaml",
            "releases/x86_64/netboot-3.15.4", "releases/x86_64/netboot-3.15.4/initramfs-lts", "releases/x86_64/netboot-3.15.4/vmlinuz-lts",
        ], FileTree.List(Staging).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new CloneResult(5, 5, 0, 0, 0, null), result);
    }

    [Fact]
    public async Task Should_refuse_a_staging_folder_that_is_a_symlink_and_write_nothing_where_it_points()
    {
        // Given the staging folder replaced by a symlink to a folder elsewhere
        var source = WriteSnapshot(_root.FullName);
        var elsewhere = Directory.CreateDirectory(Path.Combine(_root.FullName, "elsewhere")).FullName;
        Directory.CreateDirectory(Path.GetDirectoryName(Staging)!);
        File.CreateSymbolicLink(Staging, elsewhere);

        // When a clone into it starts
        var error = await Assert.ThrowsAsync<StorageException>(() => SnapshotCloner.CloneAsync(source, Staging, CancellationToken.None));

        // Then it is refused on one line naming the link, and nothing is linked where it points
        Assert.Equal(Staging, error.Source);
        Assert.Contains($"found a symlink to '{elsewhere}'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public async Task Should_start_an_empty_staging_folder_when_nothing_is_published()
    {
        var result = await SnapshotCloner.CloneAsync(null, Staging, CancellationToken.None);

        Assert.True(Directory.Exists(Staging));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Staging));
        Assert.Equal(new CloneResult(0, 0, 0, 0, 0, null), result);
    }

    [Fact]
    public async Task Should_refuse_a_missing_source_and_a_staging_folder_inside_the_source()
    {
        var source = WriteSnapshot(_root.FullName);

        var missing = await Assert.ThrowsAsync<StorageException>(() =>
            SnapshotCloner.CloneAsync(Path.Combine(_root.FullName, "3.15.3"), Staging, CancellationToken.None));
        var inside = await Assert.ThrowsAsync<StorageException>(() =>
            SnapshotCloner.CloneAsync(source, Path.Combine(source, "staging"), CancellationToken.None));

        Assert.Equal(Path.Combine(_root.FullName, "3.15.3"), missing.Source);
        Assert.Contains("inside", inside.Message);
        Assert.False(Directory.Exists(Staging));
        Assert.False(Directory.Exists(Path.Combine(source, "staging")));
    }

    [Fact]
    public async Task Should_stop_when_cancelled()
    {
        var source = WriteSnapshot(_root.FullName);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            SnapshotCloner.CloneAsync(source, Staging, new CancellationToken(canceled: true)));

        Assert.False(Directory.Exists(Staging));
    }
}
