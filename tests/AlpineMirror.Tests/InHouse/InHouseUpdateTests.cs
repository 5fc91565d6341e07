using System.Text.Json;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Tests.ClamAv;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.InHouse;

/// <summary>Update through the real host with an in-house source: InHouse runs after Relink and before TriggerAnsible (and Antivirus), on its own.</summary>
public sealed class InHouseUpdateTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private readonly InHouseTestBed _bed = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _bed.Dispose();
    }

    private string ReportPath => Path.Combine(_bed.Incoming, "..", "report.json");

    private Task<HostRun> UpdateAsync(params string[] extra) =>
        InProcessHost.RunAsync(
        [
            "--target=Update", $"--root={_bed.Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15", $"--keys={Releases.KeysDirectory}",
            "--retries=1", "--timeout=5", $"--inhouse-key={_bed.PrivateKey}", $"--inhouse-incoming={_bed.Incoming}",
            $"--inhouse-keys={_bed.BuilderKeys}", $"--report={ReportPath}", .. extra,
        ]);

    private JsonElement Report(string property) => JsonDocument.Parse(File.ReadAllText(ReportPath)).RootElement.GetProperty(property);

    [Fact]
    public async Task Should_refresh_the_in_house_repository_in_update_without_a_snapshot_or_a_deploy_of_its_own()
    {
        // Given a first Update that published Alpine 3.15.4 and the controller
        _bed.Drop("controller", "2.4.0-r0");
        Assert.Equal(ExitCodes.Success, (await UpdateAsync()).ExitCode);
        Assert.Equal(["controller-2.4.0-r0.apk"], _bed.Listed("x86_64"));

        // When only the in-house side changes and Update runs again
        _bed.Drop("controller", "2.4.1-r0");
        var run = await UpdateAsync();

        // Then the in-house repository gained the version, no snapshot was made and nothing was deployed
        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal(["controller-2.4.0-r0.apk", "controller-2.4.1-r0.apk"], _bed.Listed("x86_64"));
        Assert.Equal(["3.15.4"], _bed.Mirror.PublishedSnapshots());
        Assert.Equal(1, Report("inhouse").GetProperty("added").GetInt32());
        Assert.Equal(JsonValueKind.Null, Report("deploy").ValueKind);
    }

    [Fact]
    public async Task Should_let_the_deploy_of_a_published_snapshot_run_when_the_in_house_feed_fails_and_still_exit_3()
    {
        // Given an unsigned package in the drop folder
        _bed.DropFixture("", "extra", "chainguard-dev__go-apk", "pkg", "apk", "testdata", "hello-0.1.0-r0.apk");

        // When Update runs
        var run = await UpdateAsync();

        // Then Alpine 3.15.4 is published and its deploy step ran, the in-house repository got nothing, and the run fails with the package's line
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("hello-0.1.0-r0.apk: not signed", run.SingleErrorLine());
        Assert.Equal(["3.15.4"], _bed.Mirror.PublishedSnapshots());
        Assert.Equal("skipped", Report("deploy").GetProperty("status").GetString());
        Assert.False(File.Exists(_bed.Repository.IndexPath("x86_64")));
    }

    [Fact]
    public async Task Should_still_run_the_antivirus_feed_after_the_deploy_when_the_in_house_feed_failed_and_exit_3()
    {
        // Given an unsigned package in the drop folder and a ClamAV stand-in serving the test database at version 6
        _bed.DropFixture("", "extra", "chainguard-dev__go-apk", "pkg", "apk", "testdata", "hello-0.1.0-r0.apk");
        await using var clamav = await ClamAvTestBed.StartAsync(version: 6);

        // When Update runs with the antivirus feed on
        var run = await UpdateAsync("--clamav=true", $"--clamav-upstream={clamav.Server.BaseUri}", "--clamav-databases=test");

        // Then Alpine is published and deployed, the antivirus databases are served, and the run ends with the in-house failure
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("hello-0.1.0-r0.apk: not signed", run.SingleErrorLine());
        Assert.Equal(["3.15.4"], _bed.Mirror.PublishedSnapshots());
        Assert.Equal("skipped", Report("deploy").GetProperty("status").GetString());
        Assert.Equal(6, Report("antivirus").GetProperty("databases")[0].GetProperty("to").GetInt32());
        Assert.True(File.Exists(Path.Combine(_bed.Root.Path, "clamav", "test.cvd")));
        Assert.False(File.Exists(_bed.Repository.IndexPath("x86_64")));
    }
}
