using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Storage;

public sealed class AtomicSymlinkTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("alpinemirror-symlink-");

    public void Dispose() => _root.Delete(recursive: true);

    private string LatestStable => Path.Combine(_root.FullName, "latest-stable");

    private string Snapshot(string name)
    {
        var path = _root.CreateSubdirectory(name).FullName;
        File.WriteAllText(Path.Combine(path, "marker"), name);
        return path;
    }

    private string[] Names() =>
        _root.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }).Select(i => i.Name).Order().ToArray();

    [Fact]
    public void Should_create_a_relative_link_where_there_is_none()
    {
        // Given a snapshot and no link
        Snapshot("3.15.4");

        // When the link is set
        AtomicSymlink.Replace(LatestStable, "3.15.4");

        // Then readlink(1) shows the relative target, Read agrees, and the link resolves
        Assert.Equal("3.15.4", ExternalCommand.Require("readlink", [LatestStable]).OutputText.TrimEnd('\n'));
        Assert.Equal("3.15.4", AtomicSymlink.Read(LatestStable));
        Assert.Equal("3.15.4", File.ReadAllText(Path.Combine(LatestStable, "marker")));
        Assert.Equal(["3.15.4", "latest-stable"], Names());
    }

    [Fact]
    public void Should_replace_a_dangling_link()
    {
        // Given a link whose snapshot was removed by hand
        Snapshot("3.15.5");
        File.CreateSymbolicLink(LatestStable, "3.15.4");

        // When it is set again
        AtomicSymlink.Replace(LatestStable, "3.15.5");

        // Then it points to the existing snapshot
        Assert.Equal("3.15.5", AtomicSymlink.Read(LatestStable));
    }

    [Fact]
    public async Task Should_switch_a_link_to_a_directory_so_that_a_reader_never_finds_it_missing()
    {
        // Given two snapshots, the link on the first, and a reader resolving the link in a tight loop
        Snapshot("3.15.4");
        Snapshot("3.15.5");
        AtomicSymlink.Replace(LatestStable, "3.15.4");
        using var stop = new CancellationTokenSource();
        using var reading = new ManualResetEventSlim();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var reads = 0;
        var reader = Task.Factory.StartNew(() =>
        {
            var marker = Path.Combine(LatestStable, "marker");
            while (!stop.IsCancellationRequested)
            {
                // readlink(2), then a path walk through the link: either fails if the name is ever missing.
                var target = new FileInfo(LatestStable).LinkTarget ?? throw new Xunit.Sdk.XunitException("latest-stable was missing");
                seen.TryAdd(target, true);
                _ = File.ReadAllText(marker);
                reads++;
                reading.Set();
            }
        }, TaskCreationOptions.LongRunning);
        reading.Wait(TimeSpan.FromSeconds(30));

        // When the link is switched at least 1,000 times, and on (in pairs) until the reader has seen both targets:
        // on a loaded machine the reader may not be scheduled during the first thousand
        var switching = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; !reader.IsCompleted && (i < 1000 || (seen.Count < 2 && switching.Elapsed < TimeSpan.FromSeconds(30))); i += 2)
        {
            AtomicSymlink.Replace(LatestStable, "3.15.5");
            AtomicSymlink.Replace(LatestStable, "3.15.4");
        }

        await stop.CancelAsync();

        // Then the reader never failed, saw both targets, and no temporary link is left
        await reader;
        Assert.True(reads > 0);
        Assert.Equal(["3.15.4", "3.15.5"], seen.Keys.Order());
        Assert.Equal("3.15.4", AtomicSymlink.Read(LatestStable));
        Assert.Equal(["3.15.4", "3.15.5", "latest-stable"], Names());
    }

    [Fact]
    public void Should_refuse_to_replace_a_real_directory()
    {
        // Given a real folder where the link belongs, as a manual cp -r might leave
        Snapshot("3.15.5");
        var real = Snapshot("latest-stable");

        // When the link is set
        var error = Assert.Throws<StorageException>(() => AtomicSymlink.Replace(LatestStable, "3.15.5"));

        // Then the folder and its content are untouched and the error says why
        Assert.Equal(LatestStable, error.Source);
        Assert.Contains("real directory", error.Message);
        Assert.Null(new DirectoryInfo(real).LinkTarget);
        Assert.Equal("latest-stable", File.ReadAllText(Path.Combine(real, "marker")));
        Assert.Equal(["3.15.5", "latest-stable"], Names());
    }

    [Fact]
    public void Should_refuse_to_replace_a_real_file()
    {
        Snapshot("3.15.5");
        File.WriteAllText(LatestStable, "not a link");

        var error = Assert.Throws<StorageException>(() => AtomicSymlink.Replace(LatestStable, "3.15.5"));

        Assert.Contains("real file", error.Message);
        Assert.Equal("not a link", File.ReadAllText(LatestStable));
    }

    [Fact]
    public void Should_refuse_a_target_that_does_not_exist_and_keep_the_old_link()
    {
        // Given a link to an existing snapshot
        Snapshot("3.15.4");
        AtomicSymlink.Replace(LatestStable, "3.15.4");

        // When it is pointed at a snapshot that is not there
        var error = Assert.Throws<StorageException>(() => AtomicSymlink.Replace(LatestStable, "3.15.6"));

        // Then the link still points to the old one rather than dangling
        Assert.Contains("'3.15.6'", error.Message);
        Assert.Equal("3.15.4", AtomicSymlink.Read(LatestStable));
        Assert.Equal(["3.15.4", "latest-stable"], Names());
    }

    [Fact]
    public void Should_refuse_an_absolute_target()
    {
        var snapshot = Snapshot("3.15.4");

        Assert.Throws<ArgumentException>(() => AtomicSymlink.Replace(LatestStable, snapshot));
        Assert.False(Path.Exists(LatestStable));
    }

    [Fact]
    public void Should_read_nothing_as_null_and_refuse_to_read_a_real_directory_as_a_link()
    {
        Assert.Null(AtomicSymlink.Read(LatestStable));

        Snapshot("latest-stable");

        Assert.Throws<StorageException>(() => AtomicSymlink.Read(LatestStable));
    }
}
