using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Storage;

public sealed class MirrorRootTests : IDisposable
{
    private readonly TemporaryRoot _root = new();

    public void Dispose() => _root.Dispose();

    private MirrorRoot Root => _root.Root;

    [Fact]
    public void Should_keep_tool_state_and_staging_under_the_state_folder()
    {
        Assert.Equal(Path.Combine(Root.Path, ".alpinemirror", "lock"), Root.LockFile);
        Assert.Equal(Path.Combine(Root.Path, ".alpinemirror", "history.jsonl"), Root.HistoryFile);
        Assert.Equal(Path.Combine(Root.Path, ".alpinemirror", "staging", "3.15.5"), Root.StagingPath("3.15.5"));
        Assert.Equal(Path.Combine(Root.Path, ".alpinemirror", "trash-3.15.5"), Root.TrashPath("3.15.5"));
        Assert.Equal(Path.Combine(Root.Path, "panoptiscan"), Root.InHouseRepository);
    }

    [Theory]
    [InlineData("../3.15.5")]
    [InlineData("latest-stable")]
    [InlineData("")]
    public void Should_refuse_a_staging_name_that_is_not_a_snapshot_name(string name) =>
        Assert.Throws<ArgumentException>(() => Root.StagingPath(name));

    [Fact]
    public void Should_find_a_staging_folder_to_resume_and_list_all_of_them()
    {
        // Given staging folders of two interrupted runs and a stray file
        _root.AddStaging("3.15.5.1");
        _root.AddStaging("3.15.5");
        File.WriteAllText(Path.Combine(Root.StagingDirectory, "notes.txt"), "not a snapshot");

        // Then each is found by name, a missing one is not, and the list is in release order
        Assert.Equal(Root.StagingPath("3.15.5"), Root.FindStaging("3.15.5"));
        Assert.Null(Root.FindStaging("3.15.6"));
        Assert.Equal(["3.15.5", "3.15.5.1"], Root.StagingSnapshots());
    }

    [Fact]
    public void Should_list_nothing_in_a_root_that_does_not_exist_yet()
    {
        var root = new MirrorRoot(Path.Combine(Root.Path, "not-yet"));

        Assert.Empty(root.StagingSnapshots());
        Assert.Empty(root.TrashFolders());
        Assert.Empty(root.LinkedSnapshots());
        Assert.Null(root.PreviousSnapshot());
    }

    [Fact]
    public void Should_take_the_newest_snapshot_older_than_the_current_one_as_the_rollback_target()
    {
        foreach (var name in new[] { "3.15.4", "3.15.5", "3.15.5.1", "3.15.10" })
        {
            _root.AddSnapshot(name);
        }

        Assert.Null(Root.PreviousSnapshot());
        _root.SetCurrent("3.15.10");
        Assert.Equal("3.15.5.1", Root.PreviousSnapshot());
        _root.SetCurrent("3.15.5");
        Assert.Equal("3.15.4", Root.PreviousSnapshot());
        _root.SetCurrent("3.15.4");
        Assert.Null(Root.PreviousSnapshot());
    }

    [Fact]
    public void Should_report_the_snapshots_that_links_in_the_root_point_to()
    {
        // Given latest-stable and two aliases, a link to something else and a link inside a snapshot
        foreach (var name in new[] { "3.14.8", "3.15.5", "3.15.6" })
        {
            _root.AddSnapshot(name);
        }

        _root.SetCurrent("3.15.6");
        File.CreateSymbolicLink(Path.Combine(Root.Path, "v3.14"), "3.14.8");
        File.CreateSymbolicLink(Path.Combine(Root.Path, "v3.15"), Root.SnapshotPath("3.15.6") + "/");
        File.CreateSymbolicLink(Path.Combine(Root.Path, "keys"), "/etc/apk/keys");
        File.CreateSymbolicLink(Path.Combine(Root.SnapshotPath("3.15.5"), "netboot"), "../3.15.5");

        Assert.Equal(["3.14.8", "3.15.6"], Root.LinkedSnapshots().Order());
    }

    [Fact]
    public void Should_resolve_absolute_links_spelled_through_the_real_folder_of_a_root_reached_by_a_symlink()
    {
        // Given a root reached as srv -> real, with latest-stable and v3.15 spelled through real/ and through srv/
        using var symlinked = new SymlinkedRoot("3.15.4", "3.15.5");
        var root = symlinked.Root;
        symlinked.Link("latest-stable", Path.Combine(symlinked.RealPath, "3.15.4"));
        symlinked.Link("v3.15", Path.Combine(symlinked.ServedPath, "3.15.5"));

        // Then both name the snapshots of this root
        Assert.Equal("3.15.4", root.CurrentSnapshot());
        Assert.Equal(["3.15.4", "3.15.5"], root.LinkedSnapshots().Order());
    }

    [Fact]
    public void Should_refuse_a_latest_stable_that_points_to_a_folder_of_the_same_name_outside_the_root()
    {
        // Given 3.15.5 published, and latest-stable pointing at a 3.15.5 elsewhere
        _root.AddSnapshot("3.15.5");
        using var elsewhere = new TemporaryMirrorRoot();
        var outside = Directory.CreateDirectory(Path.Combine(elsewhere.Path, "3.15.5")).FullName;
        File.CreateSymbolicLink(Root.LatestStableLink, outside);

        // Then it is not taken for this root's 3.15.5, nor protected as one
        var error = Assert.Throws<StorageException>(() => Root.CurrentSnapshot());
        Assert.Equal($"{Root.LatestStableLink}: expected a link to a published snapshot, it points to '{outside}'", error.Message);
        Assert.Empty(Root.LinkedSnapshots());
    }

    [Fact]
    public void Should_ignore_folders_named_almost_like_snapshots_and_name_them_as_strays()
    {
        // Given two snapshots, one folder named with an Arabic-Indic digit and one with a newline, and other folders
        _root.AddSnapshot("3.15.4");
        _root.AddSnapshot("3.15.5");
        _root.AddSnapshot("3.15.4\u0660");
        _root.AddSnapshot("3.15.6\n");
        Directory.CreateDirectory(Root.InHouseRepository);
        Directory.CreateDirectory(Path.Combine(Root.Path, "clamav"));
        _root.SetCurrent("3.15.5");

        // Then listing, ordering and the rollback target use the snapshots only, and the strays are named printably
        Assert.Equal(["3.15.4", "3.15.5"], Root.PublishedSnapshots());
        Assert.Equal("3.15.4", Root.PreviousSnapshot());
        Assert.Equal(["3.15.4\u0660", "3.15.6\\x0a"], Root.StrayFolders());
    }

    [Theory]
    [InlineData(".alpinemirror/staging/3.15.5")]
    [InlineData(".alpinemirror/staging")]
    [InlineData(".alpinemirror")]
    public void Should_refuse_a_staging_folder_reached_through_a_symlink(string link)
    {
        // Given a folder on the way to staging replaced by a symlink to a folder elsewhere
        using var elsewhere = new TemporaryRoot();
        var path = Path.Combine(Root.Path, link);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, elsewhere.Root.Path);

        // When the staging folder is asked for
        var error = Assert.Throws<StorageException>(() => Root.StagingPath("3.15.5"));

        // Then the link is named on one line, and neither it nor its target changed
        Assert.Equal(path, error.Source);
        Assert.Contains($"found a symlink to '{elsewhere.Root.Path}'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(elsewhere.RootNames());
    }
}
