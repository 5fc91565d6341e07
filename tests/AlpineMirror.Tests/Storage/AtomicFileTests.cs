using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Storage;

public sealed class AtomicFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-atomic-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private string[] Names() =>
        _directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }).Select(i => i.Name).Order().ToArray();

    [Fact]
    public async Task Should_replace_the_target_and_leave_no_temporary()
    {
        // Given an existing file
        var target = PathOf("APKINDEX.tar.gz");
        await File.WriteAllTextAsync(target, "old index");

        // When it is written atomically
        await AtomicFile.WriteAllBytesAsync(target, "new index"u8.ToArray(), CancellationToken.None);

        // Then it holds the new content and is the only entry in its folder
        Assert.Equal("new index", await File.ReadAllTextAsync(target));
        Assert.Equal(["APKINDEX.tar.gz"], Names());
    }

    [Fact]
    public async Task Should_give_the_new_file_a_new_inode_so_hard_linked_copies_keep_the_old_content()
    {
        // Given a file hard-linked into a published snapshot, as the Snapshot step leaves it
        var published = PathOf("published.apk");
        var staging = PathOf("staging.apk");
        await File.WriteAllTextAsync(published, "published bytes");
        ExternalCommand.Require("ln", [published, staging]);

        // When the staging name is written
        await AtomicFile.WriteAllBytesAsync(staging, "downloaded bytes"u8.ToArray(), CancellationToken.None);

        // Then the published file is untouched and the two names no longer share an inode
        Assert.Equal("published bytes", await File.ReadAllTextAsync(published));
        Assert.Equal("downloaded bytes", await File.ReadAllTextAsync(staging));
        Assert.NotEqual(FileTree.Inode(published), FileTree.Inode(staging));
    }

    [Fact]
    public void Should_name_temporaries_beside_the_target_uniquely_and_recognise_them()
    {
        // Given a target
        var target = PathOf("curl-8.5.0-r0.apk");

        // When two writers ask for a temporary
        var first = AtomicFile.TemporaryPathFor(target);
        var second = AtomicFile.TemporaryPathFor(target);

        // Then both are hidden .partial names in the target's folder, distinct, and recognised as temporaries
        Assert.NotEqual(first, second);
        Assert.Equal(_directory.FullName, Path.GetDirectoryName(first));
        Assert.Matches(@"^\.curl-8\.5\.0-r0\.apk\.[0-9a-f]{8}\.partial$", Path.GetFileName(first));
        Assert.True(AtomicFile.IsTemporary(first));
        Assert.True(AtomicFile.IsTemporary(Path.GetFileName(second)));
    }

    [Theory]
    [InlineData("curl-8.5.0-r0.apk")]
    [InlineData(".curl.apk.partial")]
    [InlineData(".curl.apk.1234567.partial")]
    [InlineData(".curl.apk.ABCDEF12.partial")]
    [InlineData("curl.apk.0123abcd.partial")]
    [InlineData("..0123abcd.partial")]
    public void Should_not_take_other_names_for_temporaries(string name) =>
        Assert.False(AtomicFile.IsTemporary(name));

    [Fact]
    public async Task Should_find_the_temporaries_an_interrupted_writer_left_for_a_target_and_only_those()
    {
        // Given temporaries of a package, of its .sha256 sibling, and of another package
        var target = PathOf("linux-lts-6.1.apk");
        string[] ofTarget = [AtomicFile.TemporaryPathFor(target), AtomicFile.TemporaryPathFor(target)];
        var ofSibling = AtomicFile.TemporaryPathFor(PathOf("linux-lts-6.1.apk.sha256"));
        var ofOther = AtomicFile.TemporaryPathFor(PathOf("linux-virt-6.1.apk"));
        foreach (var path in ofTarget.Append(ofSibling).Append(ofOther))
        {
            await File.WriteAllTextAsync(path, "partial");
        }

        // When the target's temporaries are looked up
        var found = AtomicFile.FindTemporariesFor(target);

        // Then exactly the target's own are found
        Assert.Equal(ofTarget.Order(), found.Order());
    }

    [Fact]
    public async Task Should_remove_the_temporary_and_keep_the_target_when_the_rename_fails()
    {
        // Given a directory (with content) where the file should go, which rename(2) cannot replace with a file
        var target = PathOf("main");
        Directory.CreateDirectory(target);
        await File.WriteAllTextAsync(Path.Combine(target, "kept"), "kept");

        // When a file is written there
        var error = await Assert.ThrowsAsync<StorageException>(() =>
            AtomicFile.WriteAllBytesAsync(target, new byte[1000], CancellationToken.None));

        // Then the error names the target, the directory is intact and no temporary is left
        Assert.Equal(target, error.Source);
        Assert.Contains("errno", error.Message);
        Assert.Equal("kept", await File.ReadAllTextAsync(Path.Combine(target, "kept")));
        Assert.Equal(["main"], Names());
    }

    [Fact]
    public async Task Should_remove_the_temporary_and_keep_the_target_when_cancelled_midway()
    {
        // Given an existing file and a write that is cancelled after half its content
        var target = PathOf("latest-releases.yaml");
        await File.WriteAllTextAsync(target, "old releases");
        using var cancellation = new CancellationTokenSource();

        // When the write goes on after the cancellation
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            AtomicFile.WriteAsync(target, async (stream, token) =>
            {
                await stream.WriteAsync("new rel"u8.ToArray(), token);
                await stream.FlushAsync(token);
                Assert.Single(AtomicFile.FindTemporariesFor(target));
                await cancellation.CancelAsync();
                await stream.WriteAsync("eases"u8.ToArray(), token);
            }, cancellation.Token));

        // Then the old content stays and the temporary that existed midway is gone
        Assert.Equal("old releases", await File.ReadAllTextAsync(target));
        Assert.Equal(["latest-releases.yaml"], Names());
    }

    [Fact]
    public async Task Should_pass_a_writer_failure_through_and_leave_nothing_behind()
    {
        // Given a writer that fails while streaming, as a checksum check would
        var target = PathOf("busybox.apk");

        // When it writes
        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            AtomicFile.WriteAsync(target, async (stream, token) =>
            {
                await stream.WriteAsync(new byte[5000], token);
                throw new InvalidDataException("checksum mismatch");
            }, CancellationToken.None));

        // Then its exception arrives unchanged and neither target nor temporary exists
        Assert.Equal("checksum mismatch", error.Message);
        Assert.Empty(Names());
    }

    [Fact]
    public async Task Should_not_start_a_write_when_already_cancelled()
    {
        var target = PathOf("x.apk");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            AtomicFile.WriteAllBytesAsync(target, new byte[10], new CancellationToken(canceled: true)));

        Assert.Empty(Names());
    }

    [Fact]
    public async Task Should_never_show_a_concurrent_reader_a_partial_or_missing_file()
    {
        // Given a 1 MB file and a reader that reads it in a tight loop
        var target = PathOf("APKINDEX.tar.gz");
        const int size = 1 << 20;
        await File.WriteAllBytesAsync(target, Filled(size, (byte)'a'));
        using var stop = new CancellationTokenSource();
        using var reading = new ManualResetEventSlim();
        var reads = 0;
        var reader = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var content = File.ReadAllBytes(target);
                Assert.Equal(size, content.Length);
                Assert.True(content.AsSpan().IndexOfAnyExcept(content[0]) < 0, "read a mix of two versions");
                reads++;
                reading.Set();
            }
        }, TaskCreationOptions.LongRunning);
        reading.Wait(TimeSpan.FromSeconds(30));

        // When it is rewritten 100 times, alternating between two contents
        for (var i = 0; i < 100 && !reader.IsCompleted; i++)
        {
            await AtomicFile.WriteAllBytesAsync(target, Filled(size, i % 2 == 0 ? (byte)'b' : (byte)'a'), CancellationToken.None);
        }

        await stop.CancelAsync();

        // Then the reader saw only whole versions (a failed assertion or a missing file ends it with an exception)
        await reader;
        Assert.True(reads > 0);
        Assert.Equal(["APKINDEX.tar.gz"], Names());
    }

    [Fact]
    public async Task Should_commit_a_temporary_the_caller_streamed_into()
    {
        // Given a caller that streamed into a temporary and closed it
        var target = PathOf("netboot.tar");
        await File.WriteAllTextAsync(target, "old");
        var temporary = AtomicFile.TemporaryPathFor(target);
        await File.WriteAllTextAsync(temporary, "streamed");

        // When it commits
        AtomicFile.Commit(temporary, target);

        // Then the target holds the streamed content and the temporary is gone
        Assert.Equal("streamed", await File.ReadAllTextAsync(target));
        Assert.Equal(["netboot.tar"], Names());
    }

    [Fact]
    public async Task Should_refuse_to_commit_a_temporary_that_is_still_open()
    {
        // Given a temporary its writer still holds open
        var target = PathOf("netboot.tar");
        await File.WriteAllTextAsync(target, "old");
        var temporary = AtomicFile.TemporaryPathFor(target);
        await using var writer = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
        writer.Write("half"u8);

        // When it is committed
        var error = Assert.Throws<StorageException>(() => AtomicFile.Commit(temporary, target));

        // Then the target is unchanged and the temporary removed
        Assert.Equal(target, error.Source);
        Assert.Equal("old", await File.ReadAllTextAsync(target));
        Assert.False(File.Exists(temporary));
    }

    [Fact]
    public async Task Should_refuse_to_commit_a_temporary_from_another_folder_or_with_another_name()
    {
        var target = PathOf("file.apk");
        var elsewhere = Path.Combine(_directory.CreateSubdirectory("other").FullName, Path.GetFileName(AtomicFile.TemporaryPathFor(target)));
        var plain = PathOf("file.apk.tmp");
        await File.WriteAllTextAsync(elsewhere, "x");
        await File.WriteAllTextAsync(plain, "x");

        Assert.Throws<ArgumentException>(() => AtomicFile.Commit(elsewhere, target));
        Assert.Throws<ArgumentException>(() => AtomicFile.Commit(plain, target));
        Assert.False(File.Exists(target));
    }

    private static byte[] Filled(int size, byte value)
    {
        var bytes = new byte[size];
        bytes.AsSpan().Fill(value);
        return bytes;
    }
}
