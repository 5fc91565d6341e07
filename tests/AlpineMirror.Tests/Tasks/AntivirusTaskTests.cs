using System.Text.Json;
using AlpineMirror.Apk;
using AlpineMirror.Build.Hosting;
using AlpineMirror.InHouse;
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
    private readonly DirectoryInfo _secrets = Directory.CreateTempSubdirectory("antivirus-secrets-");

    private string Served => Path.Combine(Root.Path, "clamav");

    private string ReportPath => Path.Combine(Root.Path, "..", Path.GetFileName(Root.Path) + "-report.json");

    public override async Task DisposeAsync()
    {
        await _clamav.DisposeAsync();
        File.Delete(ReportPath);
        File.Delete(Path.ChangeExtension(ReportPath, ".md"));
        _secrets.Delete(recursive: true);
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

    /// <summary>The in-house key made by the real ceremony, outside the root; returns the <c>--inhouse-key</c> option.</summary>
    private string CreateInHouseKey()
    {
        var key = Path.Combine(_secrets.FullName, "panoptiscan.rsa");
        InHouseKeyPair.Create(new MirrorRoot(Root.Path), new InHouseOptions { Key = key });
        return $"--inhouse-key={key}";
    }

    private IReadOnlyList<string> ListedInHouse()
    {
        var repository = new InHouseRepository(new MirrorRoot(Root.Path), InHouseOptions.DefaultName);
        using var stationKeys = TrustedKeys.Load(repository.Path);
        return [.. ApkIndexReader.Read(repository.IndexPath("x86_64"), stationKeys).Entries.Select(entry => entry.FileName)];
    }

    [Fact]
    public async Task Should_publish_the_databases_as_an_apk_in_house_and_nothing_when_nothing_changed()
    {
        // Given the in-house key
        var key = CreateInHouseKey();

        // When Antivirus runs alone with --clamav-apk, twice
        var first = await RunAsync("Antivirus", "--clamav-apk=clamav-db", key);
        var listed = ListedInHouse();
        var repository = TreeDigest.Of(Path.Combine(Root.Path, InHouseOptions.DefaultName));
        var second = await RunAsync("Antivirus", "--clamav-apk=clamav-db", key);

        // Then the first run published clamav-db at the database's version, the second changed nothing and says so
        Assert.True(first.ExitCode == ExitCodes.Success, first.ToString());
        Assert.Equal(["clamav-db-6-r0.apk"], listed);
        Assert.True(second.ExitCode == ExitCodes.Success, second.ToString());
        using (var report = JsonDocument.Parse(File.ReadAllText(ReportPath)))
        {
            var package = report.RootElement.GetProperty("antivirusPackage");
            Assert.Equal(("6-r0", false), (package.GetProperty("version").GetString(), package.GetProperty("published").GetBoolean()));
        }

        Assert.Contains("| antivirus apk | clamav-db-6-r0: nothing new, already in the in-house repository |", File.ReadAllText(Path.ChangeExtension(ReportPath, ".md")));
        Assert.Equal(repository, TreeDigest.Of(Path.Combine(Root.Path, InHouseOptions.DefaultName)));
        Assert.Null(new MirrorRoot(Root.Path).CurrentSnapshot());
    }

    [Fact]
    public async Task Should_exit_2_naming_the_in_house_key_in_Update_after_the_snapshot_and_the_databases_were_published()
    {
        // Given --clamav-apk without an in-house key
        // When Update runs the antivirus feed, then again with the key
        var without = await RunAsync("Update", "--clamav=true", "--clamav-apk=clamav-db");
        var servedAfterFailure = File.Exists(Path.Combine(Served, "test.cvd"));
        var with = await RunAsync("Update", "--clamav=true", "--clamav-apk=clamav-db", CreateInHouseKey());

        // Then the first fails with usage's exit code naming the option, the snapshot and the databases published anyway
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("--inhouse-key", without.SingleErrorLine());
        Assert.Equal(["3.15.4"], new MirrorRoot(Root.Path).PublishedSnapshots());
        Assert.True(servedAfterFailure);

        // And the second publishes the package in the same Update
        Assert.True(with.ExitCode == ExitCodes.Success, with.ToString());
        Assert.Equal(["clamav-db-6-r0.apk"], ListedInHouse());
    }
}
