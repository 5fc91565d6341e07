using AlpineMirror.Configuration;
using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Storage;

public sealed class SnapshotRetentionTests : IDisposable
{
    private readonly TemporaryRoot _root = new();

    public void Dispose() => _root.Dispose();

    private MirrorRoot Root => _root.Root;

    private void AddSnapshots(params string[] names)
    {
        foreach (var name in names)
        {
            _root.AddSnapshot(name);
        }
    }

    [Fact]
    public void Should_delete_all_but_the_newest_snapshots()
    {
        // Given six snapshots, the newest current
        AddSnapshots("3.15.1", "3.15.2", "3.15.3", "3.15.4", "3.15.5", "3.15.10");
        _root.SetCurrent("3.15.10");

        // When keeping two
        var plan = SnapshotRetention.Plan(Root, keep: 2);
        var deleted = SnapshotRetention.Delete(Root, plan);

        // Then the four oldest go, by release order (3.15.10 is the newest), and nothing is left in the trash
        Assert.Equal(["3.15.5", "3.15.10"], plan.Keep);
        Assert.Equal(["3.15.1", "3.15.2", "3.15.3", "3.15.4"], plan.Delete);
        Assert.Equal(plan.Delete, deleted);
        Assert.Equal(["3.15.5", "3.15.10"], Root.PublishedSnapshots());
        Assert.Empty(Root.TrashFolders());
    }

    [Fact]
    public void Should_never_delete_the_current_snapshot_or_the_rollback_target_after_a_rollback()
    {
        // Given six snapshots and latest-stable rolled back to 3.15.3
        AddSnapshots("3.15.1", "3.15.2", "3.15.3", "3.15.4", "3.15.5", "3.15.6");
        _root.SetCurrent("3.15.3");

        // When keeping two
        var plan = SnapshotRetention.Plan(Root, keep: 2);

        // Then the current one and the one before it stay besides the newest two
        Assert.Equal(["3.15.2", "3.15.3", "3.15.5", "3.15.6"], plan.Keep);
        Assert.Equal(["3.15.1", "3.15.4"], plan.Delete);
    }

    [Fact]
    public void Should_keep_what_a_branch_alias_points_to()
    {
        // Given the stations moved to 3.16 while v3.15 still points to the last 3.15 snapshot
        AddSnapshots("3.15.5", "3.15.6", "3.16.0", "3.16.1");
        _root.SetCurrent("3.16.1");
        AtomicSymlink.Replace(Path.Combine(Root.Path, "v3.15"), "3.15.6");

        var plan = SnapshotRetention.Plan(Root, keep: 1);

        Assert.Equal(["3.15.6", "3.16.0", "3.16.1"], plan.Keep);
        Assert.Equal(["3.15.5"], plan.Delete);
    }

    [Fact]
    public async Task Should_leave_files_shared_with_kept_snapshots_intact()
    {
        // Given 3.15.4, and 3.15.5 and 3.15.6 each cloned from the one before (sharing every file)
        var oldest = _root.AddSnapshot("3.15.4");
        await SnapshotCloner.CloneAsync(oldest, Root.SnapshotPath("3.15.5"), CancellationToken.None);
        await SnapshotCloner.CloneAsync(Root.SnapshotPath("3.15.5"), Root.SnapshotPath("3.15.6"), CancellationToken.None);
        _root.SetCurrent("3.15.6");
        var package = Path.Combine(Root.SnapshotPath("3.15.6"), "main", "x86_64", "busybox-1.34.1-r5.apk");
        Assert.Equal(3, FileTree.List(Root.SnapshotPath("3.15.6"))["main/x86_64/busybox-1.34.1-r5.apk"].Links);

        // When the oldest is pruned
        SnapshotRetention.Delete(Root, SnapshotRetention.Plan(Root, keep: 1));

        // Then the kept snapshots' files have their content, one name fewer
        Assert.Equal(["3.15.5", "3.15.6"], Root.PublishedSnapshots());
        Assert.Equal("busybox", await File.ReadAllTextAsync(package));
        Assert.Equal(2, FileTree.List(Root.SnapshotPath("3.15.6"))["main/x86_64/busybox-1.34.1-r5.apk"].Links);
    }

    [Fact]
    public void Should_refuse_a_plan_whose_snapshot_became_current_and_delete_nothing()
    {
        // Given a plan to delete 3.15.1, then a rollback to it before the deletion
        AddSnapshots("3.15.1", "3.15.2", "3.15.3");
        _root.SetCurrent("3.15.3");
        var plan = SnapshotRetention.Plan(Root, keep: 1);
        Assert.Equal(["3.15.1"], plan.Delete);
        _root.SetCurrent("3.15.1");

        // When the plan is carried out
        var error = Assert.Throws<StorageException>(() => SnapshotRetention.Delete(Root, plan));

        // Then it stops before touching it
        Assert.Equal(Root.SnapshotPath("3.15.1"), error.Source);
        Assert.Equal(["3.15.1", "3.15.2", "3.15.3"], Root.PublishedSnapshots());
    }

    [Fact]
    public void Should_finish_the_deletion_an_interrupted_prune_left_in_the_trash()
    {
        // Given a prune that renamed 3.15.1 into the trash and died before deleting it
        AddSnapshots("3.15.1", "3.15.2");
        _root.SetCurrent("3.15.2");
        Directory.CreateDirectory(Root.StateDirectory);
        Directory.Move(Root.SnapshotPath("3.15.1"), Root.TrashPath("3.15.1"));
        Assert.Equal(["3.15.2"], Root.PublishedSnapshots());

        // When the next prune runs with nothing to delete
        var plan = SnapshotRetention.Plan(Root, keep: 5);
        SnapshotRetention.Delete(Root, plan);

        // Then the trash is gone too
        Assert.Empty(plan.Delete);
        Assert.Empty(Root.TrashFolders());
        Assert.Equal([".alpinemirror", "3.15.2", "latest-stable"], _root.RootNames());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Should_refuse_to_keep_fewer_than_one(int keep)
    {
        var error = Assert.Throws<ConfigurationException>(() => SnapshotRetention.Plan(Root, keep));

        Assert.Equal($"--keep: expected at least 1 snapshot to keep (the current one), got {keep}", error.Message);
    }

    [Fact]
    public void Should_never_prune_what_absolute_links_point_to_when_the_root_is_reached_through_a_symlink()
    {
        // Given a root reached as srv -> real, latest-stable rolled back to 3.15.4 and v3.14 on 3.14.8, both by
        // absolute links spelled through real/
        using var symlinked = new SymlinkedRoot("3.14.8", "3.14.9", "3.15.4", "3.15.5", "3.15.6");
        var root = symlinked.Root;
        symlinked.Link("latest-stable", Path.Combine(symlinked.RealPath, "3.15.4"));
        symlinked.Link("v3.14", Path.Combine(symlinked.RealPath, "3.14.8"));
        foreach (var name in new[] { "3.15.4", "3.15.5" })
        {
            SnapshotPublication.Record(root, name, root.SnapshotPath(name), new Dictionary<string, string>());
        }

        // When keeping one
        var deleted = SnapshotRetention.Delete(root, SnapshotRetention.Plan(root, keep: 1));

        // Then only 3.15.5 goes: the newest, what each link points to and the rollback target of the current one stay
        Assert.Equal(["3.15.5"], deleted);
        Assert.Equal(["3.14.8", "3.14.9", "3.15.4", "3.15.6"], root.PublishedSnapshots());

        // and its publication record with it, while the kept one's still vouches for its folder
        Assert.False(File.Exists(root.PublicationFile("3.15.5")));
        Assert.NotNull(SnapshotPublication.Find(root, "3.15.4"));
    }
}
