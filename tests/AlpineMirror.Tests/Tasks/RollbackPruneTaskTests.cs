using AlpineMirror.Build.Demo;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Tasks;

/// <summary>
/// The Rollback and Prune targets through the real Cake host, on roots that real updates published: where the links
/// go, what is kept (the newest --keep=N, whatever a link points to, and the rollback target), and what is refused.
/// </summary>
[Trait(ChildHostProcess.Trait, ChildHostProcess.TraitValue)]
public sealed class RollbackPruneTaskTests(DemoReleaseSeries series) : IClassFixture<DemoReleaseSeries>, IAsyncLifetime
{
    private readonly TemporaryMirrorRoot _root = new();
    private LocalUpstreamServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = new LocalUpstreamServer(series.Roots[0]);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _root.Dispose();
    }

    private MirrorRoot Mirror => new(_root.Path);

    private string[] Args(string target, params string[] extra) =>
        [$"--target={target}", $"--root={_root.Path}", "--branch=v3.15", .. extra];

    private Task<HostRun> RunAsync(string target, params string[] extra) => InProcessHost.RunAsync(Args(target, extra));

    /// <summary>Publishes the first <paramref name="count"/> releases of the series by real updates, oldest first.</summary>
    private async Task PublishAsync(int count)
    {
        foreach (var upstream in series.Roots.Take(count))
        {
            _server.Root = upstream;
            var run = await RunAsync("Update", $"--upstream={_server.BaseUri}", $"--keys={series.KeysDirectory}", "--retries=1", "--timeout=5");
            Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        }
    }

    private (string? LatestStable, string? Branch) Links() =>
        (new FileInfo(Mirror.LatestStableLink).LinkTarget, new FileInfo(Path.Combine(_root.Path, "v3.15")).LinkTarget);

    /// <summary>Every published snapshot's content as "name/path: entry" lines.</summary>
    private List<string> Digests() =>
        Mirror.PublishedSnapshots().SelectMany(name => TreeDigest.Lines(Mirror.SnapshotPath(name)).Select(line => $"{name}/{line}")).ToList();

    private static List<string> Only(IEnumerable<string> digests, IEnumerable<string> snapshots) =>
        digests.Where(line => snapshots.Any(name => line.StartsWith(name + "/", StringComparison.Ordinal))).ToList();

    private static void AssertSucceeded(HostRun run) => Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());

    [Fact]
    public async Task Should_switch_both_links_to_the_previous_snapshot_and_forward_again_by_name()
    {
        // Given 3.15.4 then 3.15.5 published
        await PublishAsync(2);
        var digests = Digests();

        // When rolling back
        var back = await RunAsync("Rollback");

        // Then
        AssertSucceeded(back);
        Assert.Equal(("3.15.4", "3.15.4"), Links());

        // When rolling forward by name
        var forward = await RunAsync("Rollback", "--to=3.15.5");

        // Then both moves are recorded and no snapshot was touched
        AssertSucceeded(forward);
        Assert.Equal(("3.15.5", "3.15.5"), Links());
        var history = new RunHistory(Mirror).ReadAll();
        Assert.Equal(
            new (string, string?, RunAction)[]
            {
                ("3.15.4", null, RunAction.Update), ("3.15.5", "3.15.4", RunAction.Update),
                ("3.15.4", "3.15.5", RunAction.Rollback), ("3.15.5", "3.15.4", RunAction.Rollback),
            },
            history.Select(r => (r.Snapshot, r.Previous, r.Action)));
        Assert.Equal(digests, Digests());
    }

    [Theory]
    [InlineData("3.15.9", ExitCodes.Failure, "3.15.9: no published snapshot of that name; published: 3.15.4, 3.15.5")]
    [InlineData("latest", ExitCodes.Usage, "--to: expected a release number like 3.15.5 or 3.15.5.1, got 'latest'")]
    public async Task Should_refuse_a_rollback_to_a_snapshot_that_is_not_published(string to, int exitCode, string message)
    {
        // Given
        await PublishAsync(2);
        var listing = RootState.Of(_root);

        // When
        var run = await RunAsync("Rollback", $"--to={to}");

        // Then
        Assert.Equal(exitCode, run.ExitCode);
        Assert.StartsWith("Error: ", run.SingleErrorLine());
        Assert.EndsWith(message, run.SingleErrorLine());
        Assert.Equal(("3.15.5", "3.15.5"), Links());
        Assert.Equal(listing, RootState.Of(_root));
    }

    [Fact]
    public async Task Should_refuse_a_rollback_from_the_oldest_snapshot()
    {
        // Given
        await PublishAsync(1);
        var listing = RootState.Of(_root);

        // When
        var run = await RunAsync("Rollback");

        // Then
        Assert.NotEqual(ExitCodes.Success, run.ExitCode);
        Assert.Equal($"Error: {Mirror.LatestStableLink}: 3.15.4 is the oldest published snapshot; there is nothing older to roll back to", run.SingleErrorLine());
        Assert.Equal(listing, RootState.Of(_root));
    }

    [Fact]
    public async Task Should_list_what_prune_would_delete_in_a_dry_run_and_delete_nothing()
    {
        // Given 3.15.4, 3.15.5 and 3.15.6 published
        await PublishAsync(3);
        var listing = _root.Listing();

        // When
        var run = await ChildHostProcess.RunAsync(Args("Prune", "--keep=1", "--dryrun"), TimeSpan.FromSeconds(30));

        // Then
        AssertSucceeded(run);
        Assert.Contains("Would delete 3.15.4; kept: 3.15.5, 3.15.6", run.Output);
        Assert.Equal(listing, _root.Listing());
    }

    [Fact]
    public async Task Should_prune_beyond_the_newest_but_keep_the_current_snapshot_and_the_rollback_target()
    {
        // Given 3.15.4, 3.15.5 and 3.15.6 published; 3.15.5 is the rollback target of 3.15.6
        await PublishAsync(3);
        var digests = Digests();

        // When
        var run = await RunAsync("Prune", "--keep=1");

        // Then only 3.15.4 goes; what stays is untouched although it shared inodes with it
        AssertSucceeded(run);
        Assert.Equal(["3.15.5", "3.15.6"], Mirror.PublishedSnapshots());
        Assert.Equal(Only(digests, ["3.15.5", "3.15.6"]), Digests());
        Assert.Equal(("3.15.6", "3.15.6"), Links());
        Assert.Empty(Mirror.TrashFolders());
    }

    [Theory]
    [InlineData("3.15.5", new[] { "3.15.4", "3.15.5", "3.15.6" })]
    [InlineData("3.15.4", new[] { "3.15.4", "3.15.6" })]
    public async Task Should_never_prune_the_current_snapshot_or_its_rollback_target_after_a_rollback(string rolledBackTo, string[] kept)
    {
        // Given three snapshots and latest-stable rolled back
        await PublishAsync(3);
        AssertSucceeded(await RunAsync("Rollback", $"--to={rolledBackTo}"));
        var digests = Digests();

        // When keeping one: the newest (3.15.6), the current one, and the newest one older than it (if any) stay
        var run = await RunAsync("Prune", "--keep=1");

        // Then
        AssertSucceeded(run);
        Assert.Equal(kept, Mirror.PublishedSnapshots());
        Assert.Equal(Only(digests, kept), Digests());
        Assert.Equal((rolledBackTo, rolledBackTo), Links());
    }
}
