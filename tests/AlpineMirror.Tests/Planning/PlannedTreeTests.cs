using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Demo;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Planning;

public sealed class PlannedTreeTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private async Task<MirrorPlan> PlanAsync()
    {
        using var client = new UpstreamClient(new UpstreamClientOptions { Retries = 0 });
        using var keys = TrustedKeys.Load(Releases.KeysDirectory);
        var options = new MirrorOptions { Root = Root.Path, Upstream = Server.BaseUri, Branch = UpstreamGenerator.Branch, Keys = Releases.KeysDirectory };
        return await new MirrorPlanner(client, keys).PlanAsync(options, CancellationToken.None);
    }

    [Fact]
    public async Task Should_list_the_indexes_packages_release_files_and_netboot_of_the_plan_and_nothing_else()
    {
        // Given the plan of the demo release on an empty root
        var plan = await PlanAsync();
        var release = plan.Releases.Single();
        var image = release.Images[0].File;

        // When its tree is made
        var tree = PlannedTree.Of(plan);

        // Then each planned entry is listed as what it must be, and nothing else is
        Assert.Equal(ExpectedEntry.Folder, tree.Find("", "main"));
        Assert.Equal(ExpectedEntry.Folder, tree.Find("main", "x86_64"));
        Assert.Equal(ExpectedEntry.File, tree.Find("main/x86_64", "APKINDEX.tar.gz"));
        Assert.All(plan.Repositories.SelectMany(r => r.Packages.Select(p => (r, p))),
            item => Assert.Equal(ExpectedEntry.File, tree.Find($"{item.r.Repo}/{item.r.Arch}", item.p.FileName)));
        Assert.Equal(ExpectedEntry.File, tree.Find("releases/x86_64", "latest-releases.yaml"));
        Assert.Equal(ExpectedEntry.File, tree.Find("releases/x86_64", image));
        Assert.Equal(ExpectedEntry.File, tree.Find("releases/x86_64", image + ".asc"));
        Assert.Equal(ExpectedEntry.Subtree, tree.Find("releases/x86_64", release.NetbootDirectory));
        Assert.Equal(ExpectedEntry.Symlink, tree.Find("releases/x86_64", "netboot"));
        Assert.Equal(ExpectedEntry.InsideSubtree, tree.Find($"releases/x86_64/{release.NetbootDirectory}/boot", "vmlinuz-lts"));
        Assert.Null(tree.Find("", "testing"));
        Assert.Null(tree.Find("", "notes.txt"));
        Assert.Null(tree.Find("main", "aarch64"));
        Assert.Null(tree.Find("main/x86_64", "evil-1.0-r0.apk"));
        Assert.Null(tree.Find("testing/x86_64", "APKINDEX.tar.gz"));
        Assert.Null(tree.Find("releases/x86_64", "netboot-3.15.3"));
        Assert.Equal("APKINDEX.tar.gz", tree.ListerOf("community/x86_64"));
        Assert.Equal("latest-releases.yaml", tree.ListerOf("releases/x86_64"));
        Assert.Equal("the plan", tree.ListerOf("releases"));
    }

    [Fact]
    public async Task Should_refuse_an_image_named_like_another_release_entry()
    {
        // Given a latest-releases.yaml whose image is named like the netboot link
        var plan = await PlanAsync();
        var release = plan.Releases.Single();
        var hostile = plan with { Releases = [release with { Images = [.. release.Images, release.Images[0] with { File = "netboot" }] }] };

        // Then no tree is made, and the error names the list and the name
        var error = Assert.Throws<ReleaseFormatException>(() => PlannedTree.Of(hostile));

        Assert.StartsWith("releases/x86_64/latest-releases.yaml: release file names: ", error.Message);
        Assert.Contains("'releases/x86_64/netboot'", error.Message);
    }

    [Fact]
    public async Task Should_build_the_tree_of_a_plan_once_and_a_changed_copy_its_own()
    {
        // Given a plan, and a copy of it without its community repository
        var plan = await PlanAsync();
        var withoutCommunity = plan with { Repositories = [.. plan.Repositories.Where(r => r.Repo != "community")] };

        // When Snapshot, Mirror and Verify each ask for a tree
        var first = PlannedTree.Of(plan);
        var again = PlannedTree.Of(plan);
        var copy = PlannedTree.Of(withoutCommunity);

        // Then the same plan gives the same tree, and the copy a tree of its own repositories
        Assert.Same(first, again);
        Assert.NotSame(first, copy);
        Assert.Equal(ExpectedEntry.Folder, first.Find("", "community"));
        Assert.Null(copy.Find("", "community"));
    }
}
