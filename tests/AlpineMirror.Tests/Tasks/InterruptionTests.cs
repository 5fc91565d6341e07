using System.Diagnostics;
using System.Text.RegularExpressions;
using AlpineMirror.Build;
using AlpineMirror.Build.Demo;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Mirroring;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Tasks;

/// <summary>
/// The built host (<c>dotnet AlpineMirror.Build.dll --target=Update</c>) killed with SIGKILL in the middle of Mirror,
/// at several points, against an upstream that serves packages slowly: the root must only ever show complete,
/// verified snapshots, and a later run must resume the staging folder and publish the same tree as a run never killed.
/// </summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class InterruptionTests(SyntheticReleases releases) : IClassFixture<SyntheticReleases>, IAsyncLifetime
{
    private const int PackageCount = SyntheticReleases.PackageCount;
    private const int Parallel = 4;
    private static readonly TimeSpan PackageDelay = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private readonly TemporaryMirrorRoot _root = new();
    private LocalUpstreamServer _server = null!;
    private volatile bool _slow;

    public async Task InitializeAsync()
    {
        _server = new LocalUpstreamServer(releases.FirstRoot);
        var delay = FaultInjection.Delay(PackageDelay);
        _server.Intercept = (context, serve) =>
            _slow && context.Request.Path.Value!.EndsWith(".apk", StringComparison.Ordinal) ? delay(context, serve) : serve();
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _root.Dispose();
    }

    private MirrorRoot Mirror => new(_root.Path);

    private string[] UpdateArgs(string root) =>
    [
        "--target=Update", $"--root={root}", $"--upstream={_server.BaseUri}", "--branch=v3.15",
        $"--keys={releases.KeysDirectory}", "--retries=1", "--timeout=5", $"--parallel={Parallel}",
    ];

    private int PackageRequests() => _server.RequestedPaths.Count(p => p.EndsWith(".apk", StringComparison.Ordinal));

    private string? LinkTarget(string name) => new FileInfo(Path.Combine(_root.Path, name)).LinkTarget;

    /// <summary>Starts the host and SIGKILLs it once the server has seen <paramref name="packageRequests"/> more package requests.</summary>
    private async Task KillDuringMirrorAsync(int packageRequests)
    {
        var seen = PackageRequests();
        using var child = ChildHostProcess.Start(UpdateArgs(_root.Path));
        var clock = Stopwatch.StartNew();
        while (PackageRequests() < seen + packageRequests)
        {
            Assert.False(child.HasExited, $"the host ended before it was killed: {child.Error}");
            Assert.True(clock.Elapsed < RunTimeout, $"only {PackageRequests() - seen} package requests in {RunTimeout}: {child.Output}");
            await Task.Delay(5);
        }

        child.Kill();
    }

    [Fact]
    public async Task Should_never_publish_a_partial_first_mirror_when_killed_and_resume_to_the_tree_an_uninterrupted_run_publishes()
    {
        // Given an empty root, packages served slowly, and a reader of latest-stable
        int[] killPoints = [10, 30, 60];
        _slow = true;
        await using var watcher = new SymlinkWatcher(Mirror.LatestStableLink);

        // When the update is killed at several points during Mirror
        foreach (var killAfter in killPoints)
        {
            await KillDuringMirrorAsync(killAfter);

            // Then nothing named like a snapshot exists and latest-stable does not exist yet; the work waits in staging
            Assert.Null(LinkTarget(MirrorRoot.LatestStableName));
            Assert.Empty(Mirror.PublishedSnapshots());
            Assert.Equal(["3.15.4"], Mirror.StagingSnapshots());
        }

        Assert.Equal([null], watcher.Targets);

        // When it runs again at full speed
        _slow = false;
        var before = PackageRequests();
        var resumed = await ChildHostProcess.RunAsync(UpdateArgs(_root.Path), RunTimeout);

        // Then it resumes the staging folder: only what the killed runs had not finished is fetched
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        Assert.Contains("Resumed staging 3.15.4", resumed.Output);
        var fetched = PackageRequests() - before;
        // Each kill loses the downloads in flight: against this slow upstream Mirror runs more than --parallel at once.
        var finishedBeforeKills = killPoints.Sum() - killPoints.Length * DownloadWorkers.Most(Parallel);
        Assert.True(fetched <= PackageCount - finishedBeforeKills, $"{fetched} packages fetched again of {PackageCount}");

        // and publishes exactly the tree a run never killed publishes into a fresh root
        using var reference = new TemporaryMirrorRoot();
        var uninterrupted = await InProcessHost.RunAsync(UpdateArgs(reference.Path));
        Assert.True(uninterrupted.ExitCode == ExitCodes.Success, uninterrupted.ToString());
        Assert.Equal(TreeDigest.Lines(reference.Path, MirrorRoot.StateDirectoryName), TreeDigest.Lines(_root.Path, MirrorRoot.StateDirectoryName));
        Assert.Equal(TreeDigest.Lines(releases.BranchDirectory(_server.Root)), TreeDigest.Lines(Mirror.SnapshotPath("3.15.4")));
        Assert.Equal(PackageCount, Directory.GetFiles(Mirror.SnapshotPath("3.15.4"), "*.apk", SearchOption.AllDirectories).Length);
        Assert.Empty(TreeDigest.Temporaries(_root.Path));
        Assert.Empty(Mirror.StagingSnapshots());

        // and latest-stable went from nothing to the complete snapshot, never anywhere else
        await Task.Delay(20);
        Assert.Equal([null, "3.15.4"], watcher.Targets);
        Assert.Empty(watcher.Dangling);
    }

    [Fact]
    public async Task Should_keep_serving_the_previous_snapshot_while_killed_updates_are_resumed_into_the_next_one()
    {
        // Given 3.15.4 published, upstream at a 3.15.5 that rebuilt half of the packages, served slowly
        var published = await InProcessHost.RunAsync(UpdateArgs(_root.Path));
        Assert.True(published.ExitCode == ExitCodes.Success, published.ToString());
        var previous = TreeDigest.Lines(Mirror.SnapshotPath("3.15.4"));
        _server.Root = releases.SecondRoot;
        _slow = true;
        await using var watcher = new SymlinkWatcher(Mirror.LatestStableLink);

        // When the update is killed twice during Mirror
        foreach (var killAfter in new[] { 15, 40 })
        {
            await KillDuringMirrorAsync(killAfter);

            // Then stations still get the untouched previous snapshot
            Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
            Assert.Equal("3.15.4", LinkTarget("v3.15"));
            Assert.Equal(["3.15.4"], Mirror.PublishedSnapshots());
            Assert.Equal(previous, TreeDigest.Lines(Mirror.SnapshotPath("3.15.4")));
        }

        // When it runs again at full speed
        _slow = false;
        var resumed = await ChildHostProcess.RunAsync(UpdateArgs(_root.Path), RunTimeout);

        // Then 3.15.5 is upstream's tree exactly, 3.15.4 never changed, and latest-stable moved once
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        Assert.Contains("Resumed staging 3.15.5", resumed.Output);
        Assert.Equal(TreeDigest.Lines(releases.BranchDirectory(_server.Root)), TreeDigest.Lines(Mirror.SnapshotPath("3.15.5")));
        Assert.Equal(previous, TreeDigest.Lines(Mirror.SnapshotPath("3.15.4")));
        Assert.Empty(TreeDigest.Temporaries(_root.Path));
        await Task.Delay(20);
        Assert.Equal(["3.15.4", "3.15.5"], watcher.Targets);
        Assert.Empty(watcher.Dangling);
    }

    [Fact]
    public async Task Should_refuse_an_update_with_the_locked_code_naming_the_child_run_that_holds_the_root()
    {
        // Given a run in progress in another process, past the Snapshot step that takes the lock
        _slow = true;
        using var child = ChildHostProcess.Start(UpdateArgs(_root.Path));
        var clock = Stopwatch.StartNew();
        while (PackageRequests() == 0)
        {
            Assert.False(child.HasExited, $"the host ended early: {child.Error}");
            Assert.True(clock.Elapsed < RunTimeout, "no package was requested");
            await Task.Delay(5);
        }

        // When a second update starts
        var refused = await InProcessHost.RunAsync(UpdateArgs(_root.Path));

        // Then it is refused, names the holder, and the first run is unaffected
        Assert.Equal(MirrorExitCodes.Locked, refused.ExitCode);
        Assert.Matches($@"^Error: {Regex.Escape(Mirror.LockFile)}: another run holds the lock: pid {child.Id} on host {Environment.MachineName} since \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ; ", refused.SingleErrorLine());
        Assert.False(child.HasExited);
        _slow = false;
        var finished = await child.WaitForExitAsync(RunTimeout);
        Assert.True(finished.ExitCode == ExitCodes.Success, finished.ToString());
        Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
    }
}
