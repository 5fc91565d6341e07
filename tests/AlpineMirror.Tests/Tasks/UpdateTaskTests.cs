using System.Text.RegularExpressions;
using AlpineMirror.Apk;
using AlpineMirror.Build;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Demo;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Tests.Storage;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Tasks;

/// <summary>
/// The Update target (Plan, Snapshot, Mirror, Verify, Relink) run through the real Cake host against a real HTTP
/// upstream on 127.0.0.1, as <c>./build.sh --target=Update</c> runs it: what is published, what stays untouched,
/// what is fetched, and how each failure ends.
/// </summary>
public sealed class UpdateTaskTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private const string IndexMain = "/alpine/v3.15/main/x86_64/APKINDEX.tar.gz";
    private const string IndexCommunity = "/alpine/v3.15/community/x86_64/APKINDEX.tar.gz";
    private const string LatestReleases = "/alpine/v3.15/releases/x86_64/latest-releases.yaml";


    private MirrorRoot Mirror => new(Root.Path);

    private Task<HostRun> UpdateAsync(params string[] extra) => UpdateAsync(Root.Path, Releases.KeysDirectory, extra);

    private Task<HostRun> UpdateAsync(string root, string keys, params string[] extra) =>
        RunTargetAsync("Update", root, keys, extra);

    // Release signatures are checked in every run; a later --release-keys in extra (another upstream's) wins.
    private Task<HostRun> RunTargetAsync(string target, string root, string keys, params string[] extra) =>
        InProcessHost.RunAsync(
        [
            $"--target={target}", $"--root={root}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
            $"--keys={keys}", $"--release-keys={Releases.ReleaseKeysDirectory}", "--retries=1", "--timeout=5", .. extra,
        ]);

    private async Task PublishFirstReleaseAsync()
    {
        var run = await UpdateAsync();
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
    }

    private string? LinkTarget(string name) => new FileInfo(Path.Combine(Root.Path, name)).LinkTarget;

    /// <summary>The file name of the linux-lts package the second demo release brings (5.15.41-r0).</summary>
    private string UpdatedKernelPackage()
    {
        var kernel = Releases.Second.Repositories["main"].Single(p => p.Name == "linux-lts");
        return $"{kernel.Name}-{kernel.Version}.apk";
    }

    private IReadOnlyList<string> RequestsSince(int count) => Server.RequestedPaths.Skip(count).ToList();

    [Fact]
    public async Task Should_publish_the_next_release_beside_an_untouched_previous_snapshot_that_shares_unchanged_files()
    {
        // Given 3.15.4 published, a file of the in-house repository, and upstream moved on to 3.15.5
        await PublishFirstReleaseAsync();
        var inHouse = Path.Combine(Mirror.InHouseRepository, "x86_64", "station-tools-1.0-r0.apk");
        Directory.CreateDirectory(Path.GetDirectoryName(inHouse)!);
        File.WriteAllText(inHouse, "built in house");
        var inHouseBefore = (File.GetLastWriteTimeUtc(inHouse), FileTree.Inode(inHouse));
        var previousPath = Mirror.SnapshotPath("3.15.4");
        var previousBefore = TreeDigest.Lines(previousPath);
        Server.Root = Releases.SecondRoot;

        // When
        var run = await UpdateAsync();

        // Then 3.15.5 is published and linked, relative links
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("3.15.5", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal("3.15.5", LinkTarget("v3.15"));
        Assert.Equal(["3.15.4", "3.15.5"], Mirror.PublishedSnapshots());
        Assert.Empty(Mirror.StagingSnapshots());

        // the previous snapshot is byte for byte what it was, and still what upstream 3.15.4 served
        Assert.Equal(previousBefore, TreeDigest.Lines(previousPath));
        Assert.Equal(TreeDigest.Lines(Releases.BranchDirectory(Releases.FirstRoot)), previousBefore);

        // the new snapshot is exactly upstream's 3.15.5 tree: packages, indexes, images, checksums, netboot, links
        var newPath = Mirror.SnapshotPath("3.15.5");
        Assert.Equal(TreeDigest.Lines(Releases.BranchDirectory(Releases.SecondRoot)), TreeDigest.Lines(newPath));
        Assert.Empty(TreeDigest.Temporaries(Root.Path));

        // unchanged files are hard links of the previous snapshot's; changed ones are new inodes
        var before = TreeDigest.Of(previousPath);
        var after = TreeDigest.Of(newPath);
        var previousInodes = FileTree.List(previousPath);
        var newInodes = FileTree.List(newPath);
        var sameContent = after.Where(p => p.Value.StartsWith("file ", StringComparison.Ordinal) && before.GetValueOrDefault(p.Key) == p.Value)
            .Select(p => p.Key).ToList();
        Assert.Equal(34 - 7 - 1, sameContent.Count(p => p.EndsWith(".apk", StringComparison.Ordinal)));
        Assert.All(sameContent, path => Assert.Equal(previousInodes[path].Inode, newInodes[path].Inode));
        Assert.All(after.Keys.Where(p => before.TryGetValue(p, out var old) && old != after[p] && after[p].StartsWith("file ", StringComparison.Ordinal)),
            path => Assert.NotEqual(previousInodes[path].Inode, newInodes[path].Inode));
        Assert.NotEqual(previousInodes["main/x86_64/APKINDEX.tar.gz"].Inode, newInodes["main/x86_64/APKINDEX.tar.gz"].Inode);

        // panoptiscan/ is left alone
        Assert.Equal("built in house", File.ReadAllText(inHouse));
        Assert.Equal(inHouseBefore, (File.GetLastWriteTimeUtc(inHouse), FileTree.Inode(inHouse)));

        // and the history has both runs
        var history = new RunHistory(Mirror).ReadAll();
        Assert.Equal(2, history.Count);
        Assert.Equal(("3.15.4", (string?)null, RunAction.Update), (history[0].Snapshot, history[0].Previous, history[0].Action));
        Assert.Equal(("3.15.5", (string?)"3.15.4", RunAction.Update), (history[1].Snapshot, history[1].Previous, history[1].Action));
        Assert.Equal((1, 7, 1), (history[1].Added, history[1].Updated, history[1].Removed));
        Assert.True(history[1].DownloadedBytes > 0);
    }

    [Fact]
    public async Task Should_publish_nothing_and_fetch_only_the_indexes_and_release_list_when_upstream_has_nothing_new()
    {
        // Given 3.15.4 published and upstream unchanged
        await PublishFirstReleaseAsync();
        var listing = RootState.Of(Root);
        var seen = Server.RequestCount;

        // When
        var run = await UpdateAsync();

        // Then
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(listing, RootState.Of(Root));
        Assert.Single(new RunHistory(Mirror).ReadAll());
        Assert.Equal([IndexCommunity, IndexMain, LatestReleases], RequestsSince(seen).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_exit_with_the_network_code_and_publish_nothing_when_a_package_always_fails_with_500()
    {
        // Given
        await PublishFirstReleaseAsync();
        var previous = TreeDigest.Lines(Mirror.SnapshotPath("3.15.4"));
        Server.Root = Releases.SecondRoot;
        var package = UpdatedKernelPackage();
        Server.Intercept = FaultInjection.ForPath(package, FaultInjection.Status(500));
        var seen = Server.RequestCount;

        // When
        var run = await UpdateAsync();

        // Then it tried twice (--retries=1), named the file, and changed nothing published
        Assert.Equal(MirrorExitCodes.Network, run.ExitCode);
        Assert.Matches($@"^Error: http://127\.0\.0\.1:\d+/alpine/v3\.15/main/x86_64/{package.Replace(".", @"\.")}: .*500", run.SingleErrorLine());
        Assert.Equal(2, RequestsSince(seen).Count(p => p.EndsWith(package, StringComparison.Ordinal)));
        AssertNothingNewPublished(previous);
    }

    [Fact]
    public async Task Should_exit_with_the_verification_code_and_publish_nothing_when_a_package_always_arrives_corrupted()
    {
        // Given
        await PublishFirstReleaseAsync();
        var previous = TreeDigest.Lines(Mirror.SnapshotPath("3.15.4"));
        Server.Root = Releases.SecondRoot;
        var package = UpdatedKernelPackage();
        var size = new FileInfo(Path.Combine(Releases.BranchDirectory(Releases.SecondRoot), "main", "x86_64", package)).Length;
        Server.Intercept = FaultInjection.ForPath(package, FaultInjection.FlipByte(size - 100));

        // When
        var run = await UpdateAsync();

        // Then
        Assert.Equal(MirrorExitCodes.Verification, run.ExitCode);
        Assert.Contains(package, run.SingleErrorLine());
        AssertNothingNewPublished(previous);
    }

    [Fact]
    public async Task Should_publish_when_a_package_is_missing_for_the_first_two_requests_and_retries_allow_a_third()
    {
        // Given upstream uploaded the index before the package (a 404 for a moment)
        await PublishFirstReleaseAsync();
        Server.Root = Releases.SecondRoot;
        var package = UpdatedKernelPackage();
        Server.Intercept = FaultInjection.ForPath(package, FaultInjection.FirstRequests(2, FaultInjection.Status(404)));
        var seen = Server.RequestCount;

        // When
        var run = await UpdateAsync("--retries=3");

        // Then
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(3, RequestsSince(seen).Count(p => p.EndsWith(package, StringComparison.Ordinal)));
        Assert.Equal("3.15.5", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal(TreeDigest.Lines(Releases.BranchDirectory(Releases.SecondRoot)), TreeDigest.Lines(Mirror.SnapshotPath("3.15.5")));
    }

    [Fact]
    public async Task Should_exit_with_the_locked_code_naming_the_holder_and_change_nothing_while_another_run_holds_the_root()
    {
        // Given another run holds the root's lock
        using var held = RunLock.Acquire(Mirror);
        var listing = RootState.Of(Root);

        // When
        var run = await UpdateAsync();

        // Then
        Assert.Equal(MirrorExitCodes.Locked, run.ExitCode);
        var error = run.SingleErrorLine();
        Assert.StartsWith($"Error: {Mirror.LockFile}: ", error);
        Assert.Contains($"pid {Environment.ProcessId} on host {Environment.MachineName}", error);
        Assert.Equal(listing, RootState.Of(Root));
    }

    [Fact]
    public async Task Should_take_the_lock_before_planning_so_a_locked_root_costs_no_upstream_request()
    {
        // Given another run holds the root's lock
        using var held = RunLock.Acquire(Mirror);

        // When an update starts
        var run = await UpdateAsync();

        // Then it is refused before Plan asked upstream for anything: the plan is made from the root as it stays
        Assert.True(run.ExitCode == MirrorExitCodes.Locked, run.ToString());
        Assert.Empty(Server.RequestedPaths);
    }

    [Theory]
    [InlineData("--force")]
    [InlineData("--max-removed=50")]
    public async Task Should_stop_an_update_that_drops_over_a_tenth_of_the_packages_unless_allowed(string allowance)
    {
        // Given a published synthetic 3.15.4 of 40 packages and an upstream 3.15.5 that drops 10 of them (25 %)
        using var upstream = new GeneratedUpstream();
        var first = UpstreamGenerator.Synthetic(40, UpstreamGenerator.MinPackageBytes, seed: 11);
        var trimmed = first with
        {
            Version = "3.15.5",
            ReleasedAt = first.ReleasedAt.AddDays(30),
            Repositories = new Dictionary<string, IReadOnlyList<PackageSpec>>(StringComparer.Ordinal)
            {
                ["main"] = first.Repositories["main"],
                ["community"] = first.Repositories["community"].Skip(10).ToList(),
            },
        };
        Server.Root = upstream.Write("first", first);
        var published = await UpdateAsync(Root.Path, upstream.KeysDirectory, $"--release-keys={upstream.ReleaseKeysDirectory}");
        Assert.True(published.ExitCode == ExitCodes.Success, published.ToString());
        var previous = TreeDigest.Lines(Mirror.SnapshotPath("3.15.4"));
        Server.Root = upstream.Write("trimmed", trimmed);

        // When the update is not allowed to drop that much
        var guarded = await UpdateAsync(Root.Path, upstream.KeysDirectory, $"--release-keys={upstream.ReleaseKeysDirectory}");

        // Then it stops before Relink
        Assert.Equal(MirrorExitCodes.WipeGuard, guarded.ExitCode);
        Assert.Equal("Error: 3.15.5: removes 10 of the previous snapshot's 40 packages (25.0 %), more than the 10.0 % allowed; pass --force to publish anyway",
            guarded.SingleErrorLine());
        AssertNothingNewPublished(previous);

        // When it is allowed
        var allowed = await UpdateAsync(Root.Path, upstream.KeysDirectory, $"--release-keys={upstream.ReleaseKeysDirectory}", allowance);

        // Then it publishes
        Assert.True(allowed.ExitCode == ExitCodes.Success, allowed.ToString());
        Assert.Equal("3.15.5", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal(TreeDigest.Lines(Path.Combine(Server.Root, "v3.15")), TreeDigest.Lines(Mirror.SnapshotPath("3.15.5")));
        Assert.Equal(30, Directory.GetFiles(Mirror.SnapshotPath("3.15.5"), "*.apk", SearchOption.AllDirectories).Length);
        Assert.Equal(previous, TreeDigest.Lines(Mirror.SnapshotPath("3.15.4")));
    }

    [Fact]
    public async Task Should_publish_nothing_when_the_netboot_kernel_was_replaced_and_latest_releases_rewritten_to_match()
    {
        // Given 3.15.4 published, then an upstream 3.15.5 whose netboot tarball carries another vmlinuz-lts, with
        // latest-releases.yaml, .sha256 and .sha512 rewritten for it (upstream's .asc left as signed)
        await PublishFirstReleaseAsync();
        var forged = Path.Combine(Root.Path, "..", Path.GetFileName(Root.Path) + ".upstream");
        var copy = ExternalCommand.Run("cp", ["-a", Releases.SecondRoot, forged]);
        Assert.True(copy.ExitCode == 0, copy.Error);
        try
        {
            var tarball = ForgedNetboot.ReplaceBootFile(Path.Combine(forged, "v3.15/releases/x86_64"), "vmlinuz-lts", ForgedNetboot.EvilKernel);
            Server.Root = forged;
            var before = RootState.Of(Root);

            // When the update runs with the release keys
            var run = await UpdateAsync();

            // Then it exits with the verification code on one line naming the tarball, and the root is as it was
            Assert.Equal(MirrorExitCodes.Verification, run.ExitCode);
            Assert.Matches($@"^Error: http://127\.0\.0\.1:\d+/alpine/v3\.15/releases/x86_64/{Regex.Escape(tarball)}: OpenPGP signature .*: BAD signature by release key [0-9A-F]{{16}}: the file differs from what was signed$",
                run.SingleErrorLine());
            Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
            Assert.Equal(["3.15.4"], Mirror.PublishedSnapshots());
            Assert.Equal(before.Where(l => !l.StartsWith(".alpinemirror/staging", StringComparison.Ordinal)),
                RootState.Of(Root).Where(l => !l.StartsWith(".alpinemirror/staging", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(forged, recursive: true);
        }
    }

    [Theory]
    [InlineData("P:../evil\nV:1.0-r0", "P:")]
    [InlineData("P:../../../../evil\nV:1.0-r0", "P:")]
    [InlineData("P:sub/evil\nV:1.0-r0", "P:")]
    [InlineData("P:evil\nV:1.0-r0/../../../../evil", "V:")]
    [InlineData("P:..\nV:/evil", "P:")]
    public async Task Should_refuse_a_validly_signed_index_whose_package_file_name_would_escape_the_repository(string identity, string field)
    {
        // Given a root nested three folders deep, and a community index signed by a trusted key that names a hostile file
        var root = Path.Combine(Root.Path, "a", "b", "alpine");
        using var factory = new SignedIndexFactory();
        var index = factory.Create(
            "C:Q1hdUpqRv5mYgJEqW52UmVsvmeysE=\nP:harmless\nV:1.0-r0\nA:x86_64\nS:1\n\n"
            + $"C:Q1hdUpqRv5mYgJEqW52UmVsvmeysE=\n{identity}\nA:x86_64\nS:1\n");
        Server.Intercept = (context, serve) =>
            context.Request.Path.Value!.EndsWith("community/x86_64/APKINDEX.tar.gz", StringComparison.Ordinal)
                ? context.Response.Body.WriteAsync(index).AsTask()
                : serve();
        var keys = Directory.CreateDirectory(Path.Combine(Root.Path, "keys")).FullName;
        var demoKey = Directory.GetFiles(Releases.KeysDirectory).Single();
        File.Copy(demoKey, Path.Combine(keys, Path.GetFileName(demoKey)));
        File.Copy(Directory.GetFiles(factory.KeysDirectory).Single(), Path.Combine(keys, factory.KeyName));
        var seen = Server.RequestCount;

        // When
        var run = await UpdateAsync(root, keys);

        // Then it is refused as untrustworthy data, nothing is fetched for it, nothing is written anywhere
        Assert.Equal(MirrorExitCodes.Verification, run.ExitCode);
        var error = run.SingleErrorLine();
        Assert.Matches(@"^Error: http://127\.0\.0\.1:\d+/alpine/v3\.15/community/x86_64/APKINDEX\.tar\.gz\b", error);
        Assert.Contains($"{field} \"", error);
        Assert.DoesNotContain(RequestsSince(seen), p => p.Contains("evil", StringComparison.Ordinal) || p.EndsWith(".apk", StringComparison.Ordinal));
        // (around the root only the keys; in it only the tool's own state: the run's lock and its failure report,
        // no staging, no snapshot, no link, and nothing beside it)
        var written = TreeDigest.Of(Root.Path).Keys
            .Where(p => !p.StartsWith("a/b/alpine/.alpinemirror/reports/", StringComparison.Ordinal));
        Assert.Equal(
            new[]
            {
                "a", "a/b", "a/b/alpine", "a/b/alpine/.alpinemirror", "a/b/alpine/.alpinemirror/lock",
                "a/b/alpine/.alpinemirror/reports", "keys", $"keys/{Path.GetFileName(demoKey)}", $"keys/{factory.KeyName}",
            }.Order(StringComparer.Ordinal),
            written);
    }

    [Fact]
    public async Task Should_finish_a_relink_interrupted_after_its_rename_instead_of_publishing_a_duplicate_snapshot()
    {
        // Given 3.15.4 published, and a run for 3.15.5 stopped inside Relink (a crash or power loss): staging was
        // verified and renamed into place, but latest-stable and v3.15 were not switched yet
        await PublishFirstReleaseAsync();
        await StopAfterRenameIntoPlaceAsync();

        // When the operator runs the update again
        var run = await UpdateAsync();

        // Then that publication is completed: 3.15.5 linked, no copy of it under another name, and a rollback
        // still goes to 3.15.4 rather than to a twin of the current snapshot
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(["3.15.4", "3.15.5"], Mirror.PublishedSnapshots());
        Assert.Equal("3.15.5", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal("3.15.5", LinkTarget("v3.15"));
        Assert.Equal("3.15.4", Mirror.PreviousSnapshot());
    }

    [Fact]
    public async Task Should_finish_an_interrupted_relink_and_record_it_even_when_a_line_of_the_history_is_damaged()
    {
        // Given a relink interrupted after its rename, and a history whose last line was cut off without a newline
        await PublishFirstReleaseAsync();
        await StopAfterRenameIntoPlaceAsync();
        await File.AppendAllTextAsync(Mirror.HistoryFile, """{"snapshot":"3.15.4","previous":nu""");

        // When the update runs
        var run = await UpdateAsync();

        // Then it completes the publication and records it on a line of its own
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("3.15.5", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal(
            [("3.15.4", RunAction.Update), ("3.15.5", RunAction.Update)],
            new RunHistory(Mirror).ReadAll().Select(r => (r.Snapshot, r.Action)));
    }

    /// <summary>
    /// Leaves the root as a run for 3.15.5 that stopped inside Relink leaves it: published by a real update, then its
    /// links and history line taken back, so only the rename into place happened.
    /// </summary>
    private async Task StopAfterRenameIntoPlaceAsync()
    {
        var history = await File.ReadAllLinesAsync(Mirror.HistoryFile);
        Server.Root = Releases.SecondRoot;
        var published = await UpdateAsync();
        Assert.True(published.ExitCode == ExitCodes.Success, published.ToString());
        AtomicSymlink.Replace(Mirror.LatestStableLink, "3.15.4");
        AtomicSymlink.Replace(Path.Combine(Root.Path, "v3.15"), "3.15.4");
        await File.WriteAllLinesAsync(Mirror.HistoryFile, history);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_refuse_a_folder_made_by_hand_where_the_release_upstream_serves_would_go_and_publish_nothing(bool indexesOnly)
    {
        // Given 3.15.4 published, upstream at 3.15.5, and upstream's 3.15.5 tree copied by hand into [ALPINE]/3.15.5,
        // with one package replaced by garbage of the same size, or holding only the signed indexes and release lists
        await PublishFirstReleaseAsync();
        Server.Root = Releases.SecondRoot;
        var handMade = Mirror.SnapshotPath("3.15.5");
        CopyTree(Releases.BranchDirectory(Releases.SecondRoot), handMade);
        if (indexesOnly)
        {
            foreach (var file in Directory.EnumerateFiles(handMade, "*", SearchOption.AllDirectories)
                         .Where(f => Path.GetFileName(f) is not ("APKINDEX.tar.gz" or "latest-releases.yaml")))
            {
                File.Delete(file);
            }
        }
        else
        {
            ReplaceWithGarbage(Path.Combine(handMade, "main", "x86_64", UpdatedKernelPackage()));
        }

        var handMadeBefore = TreeDigest.Lines(handMade);
        var previous = TreeDigest.Lines(Mirror.SnapshotPath("3.15.4"));

        // When
        var run = await UpdateAsync();

        // Then it is refused as untrusted, with one line naming the folder and what to do; nothing is linked or recorded
        Assert.Equal(MirrorExitCodes.Verification, run.ExitCode);
        Assert.Matches($"^Error: {Regex.Escape(handMade)}: .*not published by this tool.*move it out of the root", run.SingleErrorLine());
        Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal("3.15.4", LinkTarget("v3.15"));
        Assert.Equal(previous, TreeDigest.Lines(Mirror.SnapshotPath("3.15.4")));
        Assert.Equal(handMadeBefore, TreeDigest.Lines(handMade));
        Assert.Single(new RunHistory(Mirror).ReadAll());

        // When the operator moves it out of the way and runs the update again
        Directory.Move(handMade, Path.Combine(Root.Path, "hand-made"));
        var again = await UpdateAsync();

        // Then the release is mirrored and verified by the tool: exactly upstream's tree
        Assert.True(again.ExitCode == ExitCodes.Success, again.ToString());
        Assert.Equal("3.15.5", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal(TreeDigest.Lines(Releases.BranchDirectory(Releases.SecondRoot)), TreeDigest.Lines(handMade));
    }

    [Fact]
    public async Task Should_hash_in_full_a_previous_snapshot_that_was_replaced_by_hand_since_the_tool_published_it()
    {
        // Given 3.15.4 published by an update (the history says so), then replaced by a hand copy of upstream's tree in
        // which a package 3.15.5 keeps unchanged is garbage of the same size
        await PublishFirstReleaseAsync();
        var previous = Mirror.SnapshotPath("3.15.4");
        Directory.Delete(previous, recursive: true);
        CopyTree(Releases.BranchDirectory(Releases.FirstRoot), previous);
        var unchanged = Releases.First.Repositories["main"]
            .Select(p => $"{p.Name}-{p.Version}.apk")
            .Intersect(Releases.Second.Repositories["main"].Select(p => $"{p.Name}-{p.Version}.apk"))
            .First();
        ReplaceWithGarbage(Path.Combine(previous, "main", "x86_64", unchanged));
        Server.Root = Releases.SecondRoot;

        // When 3.15.5 is published in the default --verify=changed mode
        var run = await UpdateAsync("--verify=changed");

        // Then nothing of the hand copy was taken on trust: 3.15.5 is exactly upstream's tree
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(TreeDigest.Lines(Releases.BranchDirectory(Releases.SecondRoot)), TreeDigest.Lines(Mirror.SnapshotPath("3.15.5")));
    }

    [Fact]
    public async Task Should_bring_the_branch_alias_back_to_latest_stable_when_a_relink_stopped_between_its_two_renames()
    {
        // Given 3.15.5 published over 3.15.4, and v3.15 left on 3.15.4 as a crash between the two renames leaves it
        await PublishFirstReleaseAsync();
        Server.Root = Releases.SecondRoot;
        var published = await UpdateAsync();
        Assert.True(published.ExitCode == ExitCodes.Success, published.ToString());
        AtomicSymlink.Replace(Path.Combine(Root.Path, "v3.15"), "3.15.4");

        // When the update runs again with nothing new upstream
        var run = await UpdateAsync();

        // Then v3.15 follows latest-stable again, and nothing is published twice
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("3.15.5", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal("3.15.5", LinkTarget("v3.15"));
        Assert.Equal(["3.15.4", "3.15.5"], Mirror.PublishedSnapshots());
    }

    [Fact]
    public async Task Should_refuse_to_publish_while_a_real_directory_stands_where_the_branch_alias_goes_and_leave_it_alone()
    {
        // Given 3.15.4 published, v3.15 replaced by a real directory of the operator's, and upstream at 3.15.5
        await PublishFirstReleaseAsync();
        var alias = Path.Combine(Root.Path, "v3.15");
        File.Delete(alias);
        Directory.CreateDirectory(alias);
        File.WriteAllText(Path.Combine(alias, "notes.txt"), "the operator's");
        Server.Root = Releases.SecondRoot;

        // When
        var run = await UpdateAsync();

        // Then nothing is switched: one line names the directory, and it is left as it was
        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Matches($"^Error: {Regex.Escape(alias)}: .*real directory.*move it", run.SingleErrorLine());
        Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal(["3.15.4"], Mirror.PublishedSnapshots());
        Assert.Equal("the operator's", File.ReadAllText(Path.Combine(alias, "notes.txt")));
    }

    private static void CopyTree(string source, string destination)
    {
        var copied = ExternalCommand.Run("cp", ["-a", source, destination]);
        Assert.True(copied.ExitCode == 0, copied.Error);
    }

    private static void ReplaceWithGarbage(string file)
    {
        var size = (int)new FileInfo(file).Length;
        File.Delete(file);
        File.WriteAllBytes(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(size));
    }

    [Fact]
    public async Task Should_not_republish_what_the_operator_rolled_back_from_until_upstream_moves_on()
    {
        // Given 3.15.5 published over 3.15.4, then rolled back because it broke the stations
        await PublishFirstReleaseAsync();
        Server.Root = Releases.SecondRoot;
        Assert.Equal(ExitCodes.Success, (await UpdateAsync()).ExitCode);
        Assert.Equal(ExitCodes.Success, (await RunTargetAsync("Rollback", Root.Path, Releases.KeysDirectory)).ExitCode);

        // When the nightly update runs while upstream still serves exactly 3.15.5
        var run = await UpdateAsync();

        // Then the rollback holds: nothing is published again under another name, latest-stable stays on 3.15.4
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(["3.15.4", "3.15.5"], Mirror.PublishedSnapshots());
        Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
    }

    [Theory]
    [InlineData("changed", 26)]
    [InlineData("full", 0)]
    public async Task Should_hash_only_what_changed_since_a_snapshot_it_verified_unless_told_to_hash_all(string mode, int unchanged)
    {
        // Given 3.15.4 published by an update, so verified by this tool
        await PublishFirstReleaseAsync();
        Server.Root = Releases.SecondRoot;
        var report = Root.Path + ".verify.json";

        // When 3.15.5 is published
        var run = await UpdateAsync(new[] { $"--verify={mode}", $"--report={report}" });

        // Then the 26 packages still hard-linked to 3.15.4 and listed unchanged are trusted in changed mode, hashed in full
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
        var verification = json.RootElement.GetProperty("verification");
        Assert.Equal(mode, verification.GetProperty("mode").GetString());
        Assert.Equal(34, verification.GetProperty("packages").GetInt32());
        Assert.True(verification.GetProperty("unchangedFiles").GetInt32() >= unchanged);
        Assert.Equal(mode == "full", verification.GetProperty("unchangedFiles").GetInt32() == 0);
        File.Delete(report);
    }

    private void AssertNothingNewPublished(IReadOnlyList<string> previousSnapshot)
    {
        Assert.Equal(["3.15.4"], Mirror.PublishedSnapshots());
        Assert.Equal("3.15.4", LinkTarget(MirrorRoot.LatestStableName));
        Assert.Equal("3.15.4", LinkTarget("v3.15"));
        Assert.Equal(previousSnapshot, TreeDigest.Lines(Mirror.SnapshotPath("3.15.4")));
        Assert.Empty(TreeDigest.Temporaries(Root.Path));
        Assert.Single(new RunHistory(Mirror).ReadAll());
    }
}
