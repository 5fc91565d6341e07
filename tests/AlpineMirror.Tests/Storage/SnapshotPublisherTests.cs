using AlpineMirror.Configuration;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Storage;

public sealed class SnapshotPublisherTests : IDisposable
{
    private readonly TemporaryRoot _root = new();

    public void Dispose() => _root.Dispose();

    private MirrorRoot Root => _root.Root;

    private static readonly Dictionary<string, string> Indexes = new(StringComparer.Ordinal)
    {
        ["main/x86_64/APKINDEX.tar.gz"] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    };

    private static string ReadLink(string path) => ExternalCommand.Require("readlink", [path]).OutputText.TrimEnd('\n');

    [Fact]
    public void Should_publish_the_first_snapshot_with_relative_links_and_leave_the_in_house_folder_to_its_feed()
    {
        // Given an empty root and a verified staging folder
        var staging = _root.AddStaging("3.15.4");

        // When it is published
        var published = SnapshotPublisher.Publish(Root, staging, "3.15.4", "v3.15", Indexes);

        // Then the staging folder became the snapshot, both links point to it by relative name, and no panoptiscan appears
        Assert.Equal(new SnapshotSwitch(null, "3.15.4", "v3.15"), published);
        Assert.False(Directory.Exists(staging));
        Assert.Equal("index of 3.15.4", File.ReadAllText(Path.Combine(Root.Path, "latest-stable", "main", "x86_64", "APKINDEX.tar.gz")));
        Assert.Equal("3.15.4", ReadLink(Root.LatestStableLink));
        Assert.Equal("3.15.4", ReadLink(Path.Combine(Root.Path, "v3.15")));
        Assert.False(Directory.Exists(Root.InHouseRepository));
        Assert.Equal([".alpinemirror", "3.15.4", "latest-stable", "v3.15"], _root.RootNames());
    }

    [Fact]
    public void Should_switch_to_a_new_snapshot_leaving_the_old_one_and_panoptiscan_untouched()
    {
        // Given a published 3.15.4, an in-house repository with a package, and a staged 3.15.5
        var old = _root.AddSnapshot("3.15.4");
        SnapshotPublisher.Publish(Root, _root.AddStaging("3.15.4.1"), "3.15.4.1", "v3.15", Indexes);
        var inHouse = Path.Combine(Root.InHouseRepository, "x86_64", "station-tools-1.0-r0.apk");
        Directory.CreateDirectory(Path.GetDirectoryName(inHouse)!);
        File.WriteAllText(inHouse, "in-house package");
        var oldTree = FileTree.List(old);
        var inHouseTree = FileTree.List(Root.Path).Where(e => e.Key.StartsWith("panoptiscan", StringComparison.Ordinal)).ToList();
        var inHouseModified = Directory.GetLastWriteTimeUtc(Root.InHouseRepository);

        // When 3.15.5 is published
        var published = SnapshotPublisher.Publish(Root, _root.AddStaging("3.15.5"), "3.15.5", "v3.15", Indexes);

        // Then the links moved, the older snapshots and panoptiscan are exactly as they were
        Assert.Equal(new SnapshotSwitch("3.15.4.1", "3.15.5", "v3.15"), published);
        Assert.Equal("3.15.5", ReadLink(Root.LatestStableLink));
        Assert.Equal("3.15.5", ReadLink(Path.Combine(Root.Path, "v3.15")));
        Assert.Equal(oldTree, FileTree.List(old));
        Assert.Equal(inHouseTree, FileTree.List(Root.Path).Where(e => e.Key.StartsWith("panoptiscan", StringComparison.Ordinal)).ToList());
        Assert.Equal(inHouseModified, Directory.GetLastWriteTimeUtc(Root.InHouseRepository));
        Assert.Equal(["3.15.4", "3.15.4.1", "3.15.5"], Root.PublishedSnapshots());
    }

    [Fact]
    public void Should_record_the_published_folder_so_that_it_and_no_copy_of_it_is_recognised_as_published()
    {
        // Given a verified staging folder
        var staging = _root.AddStaging("3.15.5");

        // When it is published
        SnapshotPublisher.Publish(Root, staging, "3.15.5", "v3.15", Indexes);

        // Then its record names the folder the rename put in place, and the signed files it holds
        var publication = SnapshotPublication.Find(Root, "3.15.5");
        Assert.NotNull(publication);
        Assert.Equal(Indexes, publication.Indexes);

        // When the folder is replaced by an exact copy made by hand
        var snapshot = Root.SnapshotPath("3.15.5");
        ExternalCommand.Require("cp", ["-a", snapshot, snapshot + ".copy"]);
        Directory.Delete(snapshot, recursive: true);
        Directory.Move(snapshot + ".copy", snapshot);

        // Then the record no longer vouches for it
        Assert.Null(SnapshotPublication.Find(Root, "3.15.5"));
    }

    [Fact]
    public void Should_refuse_to_switch_any_link_while_a_real_directory_stands_where_the_branch_alias_goes()
    {
        // Given 3.15.4 published, and v3.15 a real directory
        SnapshotPublisher.Publish(Root, _root.AddStaging("3.15.4"), "3.15.4", "v3.15", Indexes);
        var alias = Path.Combine(Root.Path, "v3.15");
        File.Delete(alias);
        Directory.CreateDirectory(alias);
        var staging = _root.AddStaging("3.15.5");

        // When 3.15.5 is published
        var error = Assert.Throws<StorageException>(() => SnapshotPublisher.Publish(Root, staging, "3.15.5", "v3.15", Indexes));

        // Then nothing moved, and the error names the directory
        Assert.Equal(alias, error.Source);
        Assert.Equal("3.15.4", ReadLink(Root.LatestStableLink));
        Assert.True(Directory.Exists(staging));
        Assert.True(Directory.Exists(alias));
        Assert.Equal(["3.15.4"], Root.PublishedSnapshots());
    }

    [Fact]
    public void Should_refuse_a_name_that_is_already_published_and_change_nothing()
    {
        // Given a published 3.15.5 and another staging folder of the same name
        SnapshotPublisher.Publish(Root, _root.AddStaging("3.15.5"), "3.15.5", "v3.15", Indexes);
        var staging = _root.AddStaging("3.15.5");
        File.WriteAllText(Path.Combine(staging, "main", "x86_64", "APKINDEX.tar.gz"), "another index");

        // When it is published
        var error = Assert.Throws<StorageException>(() => SnapshotPublisher.Publish(Root, staging, "3.15.5", "v3.15", Indexes));

        // Then the published snapshot keeps its content and the staging folder stays for another name
        Assert.Equal(Root.SnapshotPath("3.15.5"), error.Source);
        Assert.Contains("3.15.5.1", error.Message);
        Assert.Equal("index of 3.15.5", File.ReadAllText(Path.Combine(Root.SnapshotPath("3.15.5"), "main", "x86_64", "APKINDEX.tar.gz")));
        Assert.True(Directory.Exists(staging));
    }

    [Fact]
    public void Should_refuse_a_missing_staging_folder()
    {
        var error = Assert.Throws<StorageException>(() => SnapshotPublisher.Publish(Root, Root.StagingPath("3.15.5"), "3.15.5", "v3.15", Indexes));

        Assert.Equal(Root.StagingPath("3.15.5"), error.Source);
        Assert.False(Path.Exists(Root.LatestStableLink));
    }

    [Fact]
    public void Should_refuse_a_branch_the_snapshot_does_not_belong_to_before_moving_anything()
    {
        var staging = _root.AddStaging("3.15.5");

        var error = Assert.Throws<ConfigurationException>(() => SnapshotPublisher.Publish(Root, staging, "3.15.5", "v3.16", Indexes));

        Assert.Equal("--branch: snapshot 3.15.5 belongs to v3.15, not to v3.16", error.Message);
        Assert.True(Directory.Exists(staging));
        Assert.False(Directory.Exists(Root.SnapshotPath("3.15.5")));
    }

    [Theory]
    [InlineData("edge", "edge")]
    [InlineData("latest-stable", "v3.16")]
    [InlineData("v3.16", "v3.16")]
    public void Should_name_the_branch_alias_after_the_branch_option(string branch, string alias)
    {
        SnapshotPublisher.Publish(Root, _root.AddStaging("3.16.2"), "3.16.2", branch, Indexes);

        Assert.Equal("3.16.2", ReadLink(Path.Combine(Root.Path, alias)));
        Assert.Equal("3.16.2", ReadLink(Root.LatestStableLink));
    }

    [Fact]
    public void Should_roll_back_one_release_at_a_time_until_the_oldest()
    {
        // Given three published snapshots, the newest current
        foreach (var name in new[] { "3.15.4", "3.15.4.1", "3.15.5" })
        {
            SnapshotPublisher.Publish(Root, _root.AddStaging(name), name, "v3.15", Indexes);
        }

        // When rolling back repeatedly
        var first = SnapshotPublisher.Rollback(Root, to: null, "v3.15");
        var second = SnapshotPublisher.Rollback(Root, to: null, "v3.15");
        var error = Assert.Throws<StorageException>(() => SnapshotPublisher.Rollback(Root, to: null, "v3.15"));

        // Then each step goes to the next older snapshot, both links follow, and the oldest is the end
        Assert.Equal(new SnapshotSwitch("3.15.5", "3.15.4.1", "v3.15"), first);
        Assert.Equal(new SnapshotSwitch("3.15.4.1", "3.15.4", "v3.15"), second);
        Assert.Equal("3.15.4", ReadLink(Root.LatestStableLink));
        Assert.Equal("3.15.4", ReadLink(Path.Combine(Root.Path, "v3.15")));
        Assert.Contains("3.15.4 is the oldest published snapshot", error.Message);
        Assert.Equal(["3.15.4", "3.15.4.1", "3.15.5"], Root.PublishedSnapshots());
    }

    [Fact]
    public void Should_roll_to_a_named_snapshot_and_refuse_names_that_are_not_published_snapshots()
    {
        // Given 3.15.4 and 3.15.5 published, 3.15.6 only staged, and a rollback to 3.15.4
        SnapshotPublisher.Publish(Root, _root.AddStaging("3.15.4"), "3.15.4", "v3.15", Indexes);
        SnapshotPublisher.Publish(Root, _root.AddStaging("3.15.5"), "3.15.5", "v3.15", Indexes);
        _root.AddStaging("3.15.6");
        SnapshotPublisher.Rollback(Root, to: null, "v3.15");

        // When rolling to 3.15.5 by name, and to names that are not published snapshots
        var forward = SnapshotPublisher.Rollback(Root, "3.15.5", "v3.15");
        var staged = Assert.Throws<StorageException>(() => SnapshotPublisher.Rollback(Root, "3.15.6", "v3.15"));
        var link = Assert.Throws<ConfigurationException>(() => SnapshotPublisher.Rollback(Root, "latest-stable", "v3.15"));
        var escape = Assert.Throws<ConfigurationException>(() => SnapshotPublisher.Rollback(Root, "../3.15.4", "v3.15"));

        // Then only the published one is accepted, and the refusals say what exists
        Assert.Equal(new SnapshotSwitch("3.15.4", "3.15.5", "v3.15"), forward);
        Assert.Equal($"{Root.SnapshotPath("3.15.6")}: no published snapshot of that name; published: 3.15.4, 3.15.5", staged.Message);
        Assert.Equal("--to: expected a snapshot name like 3.15.5, got 'latest-stable'", link.Message);
        Assert.Contains("'../3.15.4'", escape.Message);
        Assert.Equal("3.15.5", ReadLink(Root.LatestStableLink));
    }

    [Fact]
    public void Should_refuse_to_roll_back_a_root_with_nothing_published()
    {
        _root.AddSnapshot("3.15.4");

        var error = Assert.Throws<StorageException>(() => SnapshotPublisher.Rollback(Root, "3.15.4", "v3.15"));

        Assert.Equal(Root.LatestStableLink, error.Source);
        Assert.False(Path.Exists(Root.LatestStableLink));
    }
}
