using AlpineMirror.Build.Hosting;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Storage;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Tasks;

/// <summary>
/// What the Update target puts into a new snapshot (exactly what the plan lists, DESIGN.md invariant 8) whatever the
/// previous snapshot or a resumed staging folder holds besides, and where its staging folder may be.
/// </summary>
public sealed class UpdateContentTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private MirrorRoot Mirror => new(Root.Path);

    private Task<HostRun> UpdateAsync(params string[] extra) =>
        InProcessHost.RunAsync(
        [
            "--target=Update", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
            $"--keys={Releases.KeysDirectory}", "--retries=1", "--timeout=5", .. extra,
        ]);

    private async Task PublishFirstReleaseAsync()
    {
        var run = await UpdateAsync();
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Folders, files and symlinks that no plan lists, each placed beside what a plan does list.</summary>
    private static void AddStrays(string tree)
    {
        Write(Path.Combine(tree, "testing/x86_64/evil-1.0-r0.apk"), "never verified");
        Write(Path.Combine(tree, "notes.txt"), "operator notes");
        Write(Path.Combine(tree, "main/notes.txt"), "operator notes");
        Write(Path.Combine(tree, "main/aarch64/APKINDEX.tar.gz"), "an arch nobody asked for");
        Write(Path.Combine(tree, "releases/x86_64/netboot-3.15.4/extra-kernel"), "left from an old release");
        File.CreateSymbolicLink(Path.Combine(tree, "etc"), "/etc");
        Directory.CreateDirectory(Path.Combine(tree, "main/x86_64"));
        File.CreateSymbolicLink(Path.Combine(tree, "main/x86_64/passwd"), "/etc/passwd");
    }

    private static string[] Names(string folder) =>
        new DirectoryInfo(folder).EnumerateFileSystemInfos().Select(i => i.Name).Order(StringComparer.Ordinal).ToArray();

    private static IReadOnlyList<string> Strays(string tree) =>
        new[] { "testing", "notes.txt", "main/notes.txt", "main/aarch64", "releases/x86_64/netboot-3.15.4", "etc", "main/x86_64/passwd" }
            .Where(relative => Path.Exists(Path.Combine(tree, relative)) || new FileInfo(Path.Combine(tree, relative)).LinkTarget is not null)
            .ToList();

    [Fact]
    public async Task Should_leave_behind_whatever_the_previous_snapshot_holds_that_the_plan_does_not_list()
    {
        // Given 3.15.4 published, then folders, files and symlinks added to it by hand, and upstream moved on to 3.15.5
        await PublishFirstReleaseAsync();
        AddStrays(Mirror.SnapshotPath("3.15.4"));
        Server.Root = Releases.SecondRoot;

        // When
        var run = await UpdateAsync();

        // Then 3.15.5 holds only the planned repositories and releases, none of the strays; 3.15.4 keeps its own
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var published = Mirror.SnapshotPath("3.15.5");
        Assert.Equal(["community", "main", "releases"], Names(published));
        Assert.Equal(["x86_64"], Names(Path.Combine(published, "main")));
        Assert.Empty(Strays(published));
        Assert.Equal(7, Strays(Mirror.SnapshotPath("3.15.4")).Count);
    }

    [Fact]
    public async Task Should_not_carry_over_a_repository_the_options_no_longer_name()
    {
        // Given 3.15.4 published with main and community
        await PublishFirstReleaseAsync();
        Server.Root = Releases.SecondRoot;

        // When 3.15.5 is mirrored with main only
        var run = await UpdateAsync("--repos=main");

        // Then the old community index and packages are not in 3.15.5
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(["main", "releases"], Names(Mirror.SnapshotPath("3.15.5")));
    }

    [Fact]
    public async Task Should_remove_from_a_resumed_staging_folder_whatever_the_plan_does_not_list()
    {
        // Given 3.15.4 published and a staging folder for 3.15.5 that an interrupted run left, with strays in it
        await PublishFirstReleaseAsync();
        var staging = Mirror.StagingPath("3.15.5");
        Directory.CreateDirectory(staging);
        AddStrays(staging);
        Server.Root = Releases.SecondRoot;

        // When the update resumes it
        var run = await UpdateAsync();

        // Then the published snapshot holds none of them
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(["community", "main", "releases"], Names(Mirror.SnapshotPath("3.15.5")));
        Assert.Empty(Strays(Mirror.SnapshotPath("3.15.5")));
    }

    [Theory]
    [InlineData(".alpinemirror/staging/3.15.5")]
    [InlineData(".alpinemirror/staging")]
    public async Task Should_refuse_a_staging_folder_that_is_a_symlink_and_write_nothing_where_it_points(string link)
    {
        // Given 3.15.4 published, upstream at 3.15.5, and the staging folder replaced by a symlink to a folder elsewhere
        await PublishFirstReleaseAsync();
        Server.Root = Releases.SecondRoot;
        var elsewhere = Directory.CreateTempSubdirectory("alpinemirror-elsewhere-");
        try
        {
            var path = Path.Combine(Root.Path, link);
            if (Directory.Exists(path))
            {
                // The empty staging folder the first update left.
                Directory.Delete(path, recursive: true);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.CreateSymbolicLink(path, elsewhere.FullName);
            var previous = TreeDigest.Lines(Mirror.SnapshotPath("3.15.4"));

            // When
            var run = await UpdateAsync();

            // Then the run stops with one line naming the link, nothing is written where it points, nothing is published
            Assert.NotEqual(ExitCodes.Success, run.ExitCode);
            var error = run.SingleErrorLine();
            Assert.Contains(path, error);
            Assert.Contains($"a symlink to '{elsewhere.FullName}'", error);
            Assert.Empty(FileTree.List(elsewhere.FullName));
            Assert.Equal(["3.15.4"], Mirror.PublishedSnapshots());
            Assert.Equal("3.15.4", Mirror.CurrentSnapshot());
            Assert.Equal(previous, TreeDigest.Lines(Mirror.SnapshotPath("3.15.4")));
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }
}
