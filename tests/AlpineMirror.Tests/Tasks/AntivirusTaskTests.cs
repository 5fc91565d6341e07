using System.Text.Json;
using AlpineMirror.Build.Hosting;
using AlpineMirror.Storage;
using AlpineMirror.Tests.ClamAv;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Tasks;

/// <summary>
/// The Antivirus target, alone and inside Update, run through the real Cake host as <c>./build.sh</c> runs it, against
/// an Alpine demo upstream and a ClamAV stand-in, both on 127.0.0.1.
/// </summary>
public sealed class AntivirusTaskTests(DemoReleases releases) : ServedDemoUpstream(releases)
{
    private ClamAvTestBed _clamav = null!;

    private string Served => Path.Combine(Root.Path, "clamav");

    private string ReportPath => Path.Combine(Root.Path, "..", Path.GetFileName(Root.Path) + "-report.json");

    public override async Task DisposeAsync()
    {
        await _clamav.DisposeAsync();
        File.Delete(ReportPath);
        File.Delete(Path.ChangeExtension(ReportPath, ".md"));
        await base.DisposeAsync();
    }

    private async Task<HostRun> RunAsync(string target, params string[] extra)
    {
        _clamav ??= await ClamAvTestBed.StartAsync(version: 6);
        return await InProcessHost.RunAsync(
        [
            $"--target={target}", $"--root={Root.Path}", $"--upstream={Server.BaseUri}", "--branch=v3.15",
            $"--keys={Releases.KeysDirectory}", "--retries=1", "--timeout=5", $"--report={ReportPath}",
            $"--clamav-upstream={_clamav.Server.BaseUri}", "--clamav-databases=test", .. extra,
        ]);
    }

    private JsonElement Antivirus()
    {
        using var report = JsonDocument.Parse(File.ReadAllText(ReportPath));
        return report.RootElement.GetProperty("antivirus").Clone();
    }

    [Fact]
    public async Task Should_mirror_the_databases_and_report_them()
    {
        var run = await RunAsync("Antivirus");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.True(File.Exists(Path.Combine(Served, "test.cvd")));
        Assert.Equal(6, Antivirus().GetProperty("databases")[0].GetProperty("to").GetInt32());
        Assert.Contains("| antivirus | test none → 6; 13 requests", File.ReadAllText(Path.ChangeExtension(ReportPath, ".md")));
        Assert.Null(new MirrorRoot(Root.Path).CurrentSnapshot());
    }

    [Fact]
    public async Task Should_exit_3_naming_the_file_when_a_database_fails_verification()
    {
        _clamav = await ClamAvTestBed.StartAsync(version: 6);
        _clamav.Server.Intercept = FaultInjection.ForPath("/test.cvd", FaultInjection.FlipByte(4000));

        var run = await RunAsync("Antivirus");

        Assert.Equal(3, run.ExitCode);
        Assert.Matches(@"^Error: http://127\.0\.0\.1:\d+/clamav/test\.cvd: md5: the header says", run.SingleErrorLine());
        Assert.False(Directory.Exists(Served) && Directory.EnumerateFileSystemEntries(Served).Any());
    }

    [Fact]
    public async Task Should_not_wait_behind_an_Alpine_run_but_refuse_a_second_antivirus_run()
    {
        var root = new MirrorRoot(Root.Path);
        HostRun besideAlpine;
        using (RunLock.Acquire(root))
        {
            besideAlpine = await RunAsync("Antivirus");
        }

        HostRun second;
        using (RunLock.AcquireFeed(root, "clamav"))
        {
            second = await RunAsync("Antivirus");
        }

        Assert.True(besideAlpine.ExitCode == ExitCodes.Success, besideAlpine.ToString());
        Assert.Equal(5, second.ExitCode);
        Assert.Contains("clamav.lock", second.SingleErrorLine());
    }

    [Fact]
    public async Task Should_exit_0_and_say_when_upstream_may_be_asked_again_after_a_429()
    {
        _clamav = await ClamAvTestBed.StartAsync(version: 6);
        _clamav.Server.Intercept = FaultInjection.Status(429);

        var refused = await RunAsync("Antivirus");
        _clamav.Server.Intercept = null;
        var before = _clamav.Server.RequestCount;
        var early = await RunAsync("Antivirus");

        Assert.True(refused.ExitCode == ExitCodes.Success, refused.ToString());
        Assert.True(early.ExitCode == ExitCodes.Success, early.ToString());
        Assert.Equal(before, _clamav.Server.RequestCount);
        Assert.Contains("HTTP 429", Antivirus().GetProperty("plan").GetProperty("waitReason").GetString());
        Assert.Contains("| antivirus | not checked:", File.ReadAllText(Path.ChangeExtension(ReportPath, ".md")));
    }

    [Fact]
    public async Task Should_run_in_Update_only_with_clamav_true_and_never_make_a_snapshot_of_its_own()
    {
        var without = await RunAsync("Update");
        var withoutServed = Directory.Exists(Served);
        var with = await RunAsync("Update", "--clamav=true");

        Assert.True(without.ExitCode == ExitCodes.Success, without.ToString());
        Assert.False(withoutServed);
        Assert.True(with.ExitCode == ExitCodes.Success, with.ToString());
        Assert.True(File.Exists(Path.Combine(Served, "test.cvd")));
        Assert.Equal(["3.15.4"], new MirrorRoot(Root.Path).PublishedSnapshots());
    }
}
