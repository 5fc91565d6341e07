using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Demo;
using AlpineMirror.Planning;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Planning;

public sealed class MirrorPlannerTests(DemoReleases releases) : ServedDemoUpstream(releases)
{

    private MirrorOptions Options => new()
    {
        Root = Root.Path,
        Upstream = Server.BaseUri,
        Branch = UpstreamGenerator.Branch,
        Keys = Releases.KeysDirectory,
    };

    private async Task<MirrorPlan> PlanAsync(MirrorOptions? options = null)
    {
        using var client = new UpstreamClient(new UpstreamClientOptions { Retries = 0 });
        using var keys = TrustedKeys.Load(Releases.KeysDirectory);
        return await new MirrorPlanner(client, keys).PlanAsync(options ?? Options, CancellationToken.None);
    }

    private static long SizeOf(string upstreamRoot, string repo, string file) =>
        new FileInfo(Path.Combine(upstreamRoot, UpstreamGenerator.Branch, repo, UpstreamGenerator.Arch, file)).Length;

    [Fact]
    public async Task Should_plan_everything_as_new_on_an_empty_root()
    {
        var plan = await PlanAsync();

        Assert.Equal("3.15.4", plan.Snapshot);
        Assert.Null(plan.PreviousSnapshot);
        Assert.True(plan.HasChanges);
        foreach (var repository in plan.Repositories)
        {
            var expected = Releases.First.Repositories[repository.Repo];
            Assert.Equal(expected.Count, repository.Added.Count);
            Assert.Equal(expected.Count, repository.ToFetch.Count);
            Assert.Empty(repository.Updated);
            Assert.Empty(repository.Removed);
            Assert.Equal(0, repository.Unchanged);
            Assert.Equal(
                expected.Sum(p => SizeOf(Releases.FirstRoot, repository.Repo, $"{p.Name}-{p.Version}.apk")),
                repository.DownloadBytes);
        }

        Assert.Equal(Releases.First.PackageCount, plan.PackagesToFetch);
        Assert.Equal(["main", "community"], plan.Repositories.Select(r => r.Repo));
        Assert.All(plan.Kernels, k => Assert.Null(k.From));
        Assert.Equal("5.15.40-r0", plan.Kernels.Single(k => k.Package == "linux-lts").To);
    }

    [Fact]
    public async Task Should_fetch_every_index_and_release_list_at_once()
    {
        // Given an upstream that holds each index and release list until all three are in flight (or 2 s pass)
        const int lists = 3; // main and community for x86_64, and latest-releases.yaml
        var waiting = 0;
        var peak = 0;
        var allAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.Intercept = async (context, serve) =>
        {
            var inFlight = Interlocked.Increment(ref waiting);
            InterlockedMax(ref peak, inFlight);
            if (inFlight == lists)
            {
                allAsked.TrySetResult();
            }

            try
            {
                await Task.WhenAny(allAsked.Task, Task.Delay(TimeSpan.FromSeconds(2)));
                await serve();
            }
            finally
            {
                Interlocked.Decrement(ref waiting);
            }
        };

        // When the plan is made
        var plan = await PlanAsync();

        // Then all three were in flight together, and the plan is whole
        Assert.Equal(lists, peak);
        Assert.Equal(2, plan.Repositories.Count);
        Assert.Single(plan.Releases);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task Should_plan_the_release_files_with_their_checksum_companions()
    {
        var plan = await PlanAsync();

        var release = Assert.Single(plan.Releases);
        var releaseDirectory = Path.Combine(Releases.FirstRoot, UpstreamGenerator.Branch, "releases", UpstreamGenerator.Arch);
        var images = LatestReleases.Parse(File.ReadAllBytes(Path.Combine(releaseDirectory, "latest-releases.yaml")), "test").Images;
        Assert.Equal("3.15.4", release.Version);
        Assert.Equal(images.Count * 4, release.Files.Count);
        Assert.All(release.Files, f => Assert.True(f.Fetch));
        Assert.Equal(images.Sum(i => i.Size), release.DownloadBytes);
        Assert.Equal("alpine-netboot-3.15.4-x86_64.tar.gz", release.NetbootImage);
        Assert.Equal("netboot-3.15.4", release.NetbootDirectory);
    }

    [Fact]
    public async Task Should_plan_only_the_changes_against_the_published_snapshot()
    {
        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");
        Server.Root = Releases.SecondRoot;

        var plan = await PlanAsync();

        Assert.Equal("3.15.5", plan.Snapshot);
        Assert.Equal("3.15.4", plan.PreviousSnapshot);
        var main = plan.Repositories.Single(r => r.Repo == "main");
        var community = plan.Repositories.Single(r => r.Repo == "community");
        Assert.Equal(
            ["libcrypto1.1", "libssl1.1", "linux-lts", "linux-virt", "openssl", "xen", "xen-hypervisor"],
            main.Updated.Select(u => u.To.Name).Order(StringComparer.Ordinal));
        Assert.Empty(main.Added);
        Assert.Empty(main.Removed);
        Assert.Equal(Releases.First.Repositories["main"].Count - 7, main.Unchanged);
        Assert.Equal(["btop"], community.Added.Select(p => p.Name));
        Assert.Equal(["neofetch"], community.Removed.Select(p => p.Name));
        Assert.Equal(8, plan.PackagesToFetch);
        Assert.Equal(
            main.Updated.Sum(u => SizeOf(Releases.SecondRoot, "main", u.To.FileName))
            + SizeOf(Releases.SecondRoot, "community", community.Added[0].FileName),
            plan.Repositories.Sum(r => r.DownloadBytes));

        var linux = plan.Kernels.Single(k => k.Package == "linux-lts");
        Assert.Equal(("5.15.40-r0", "5.15.41-r0", true), (linux.From, linux.To, linux.Changed));
        var xen = plan.Kernels.Single(k => k.Package == "xen-hypervisor");
        Assert.Equal(("4.15.2-r0", "4.15.2-r1", true), (xen.From, xen.To, xen.Changed));
    }

    [Fact]
    public async Task Should_say_nothing_changed_when_the_published_snapshot_is_what_upstream_serves()
    {
        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");

        var plan = await PlanAsync();

        Assert.False(plan.HasChanges);
        Assert.Equal("3.15.4", plan.Snapshot);
        Assert.Equal(0, plan.PackagesToFetch);
        Assert.Equal(0, plan.ReleaseFilesToFetch);
        Assert.Equal(0, plan.DownloadBytes);
        Assert.All(plan.Kernels, k => Assert.False(k.Changed));
    }

    [Fact]
    public async Task Should_take_a_fourth_component_for_fixes_within_the_same_point_release()
    {
        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");
        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.5");
        Server.Root = Releases.SecondRoot;

        var plan = await PlanAsync();

        Assert.Equal("3.15.5.1", plan.Snapshot);
        Assert.Equal("3.15.5", plan.PreviousSnapshot);
    }

    [Fact]
    public async Task Should_refetch_a_package_the_published_snapshot_lost()
    {
        var published = Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");
        var busybox = Releases.First.Repositories["main"].Single(p => p.Name == "busybox");
        File.Delete(Path.Combine(published, "main", UpstreamGenerator.Arch, $"busybox-{busybox.Version}.apk"));

        var plan = await PlanAsync();

        Assert.True(plan.HasChanges);
        Assert.Equal(["busybox"], plan.Repositories.SelectMany(r => r.ToFetch).Select(p => p.Name));
    }

    [Fact]
    public async Task Should_use_the_operator_chosen_name_and_refuse_one_already_published()
    {
        Assert.Equal("3.15.4.7", (await PlanAsync(Options with { Version = "3.15.4.7" })).Snapshot);

        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");
        Server.Root = Releases.SecondRoot;
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => PlanAsync(Options with { Version = "3.15.4" }));
        Assert.Equal($"--version: a snapshot named 3.15.4 is already published under {Root.Path}", error.Message);
    }

    [Fact]
    public async Task Should_write_nothing_under_the_root()
    {
        Root.PublishCopy(Releases.BranchDirectory(Releases.FirstRoot), "3.15.4");
        Server.Root = Releases.SecondRoot;
        var before = Root.Listing();

        await PlanAsync();

        Assert.Equal(before, Root.Listing());
    }

    [Fact]
    public async Task Should_ask_for_a_version_when_upstream_has_no_latest_releases()
    {
        Server.Intercept = FaultInjection.ForPath("latest-releases.yaml", FaultInjection.Status(404));

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => PlanAsync());

        Assert.EndsWith("releases/x86_64/latest-releases.yaml: upstream publishes no latest-releases.yaml here, so the snapshot cannot be named: pass --version", error.Message);
        var plan = await PlanAsync(Options with { Version = "3.15.4", Releases = false });
        Assert.Equal("3.15.4", plan.Snapshot);
        Assert.Empty(plan.Releases);
    }

    [Fact]
    public async Task Should_refuse_a_tampered_index()
    {
        Server.Intercept = FaultInjection.ForPath("main/x86_64/APKINDEX.tar.gz", FaultInjection.FlipByte(900));

        await Assert.ThrowsAnyAsync<AlpineMirrorException>(() => PlanAsync());
    }
}
