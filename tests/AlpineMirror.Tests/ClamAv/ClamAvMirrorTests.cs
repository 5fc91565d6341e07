using System.Diagnostics;
using AlpineMirror.ClamAv;
using AlpineMirror.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace AlpineMirror.Tests.ClamAv;

public sealed class ClamAvMirrorTests
{
    private static readonly string[] FullTestMirror =
    [
        "test-2.cdiff", "test-2.cdiff.sign", "test-3.cdiff", "test-3.cdiff.sign", "test-4.cdiff", "test-4.cdiff.sign",
        "test-5.cdiff", "test-5.cdiff.sign", "test-6.cdiff", "test-6.cdiff.sign", "test-6.cvd.sign", "test.cvd",
    ];

    [Fact]
    public async Task Should_mirror_the_newest_database_and_its_patches_into_an_empty_mirror()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        var options = bed.Options with { Certificates = ClamAvFixtures.TestCertificates(bed.Scratch) };

        var result = await bed.Mirror(options).UpdateAsync(CancellationToken.None);

        Assert.Empty(result.Failures);
        Assert.Equal(FullTestMirror, bed.ServedFiles());
        Assert.Equal(6, CvdVerifier.Verify(Path.Combine(bed.Served, "test.cvd"), "test.cvd").Version);
        var database = Assert.Single(result.Databases);
        Assert.Equal((null, 6), (database.From, database.To));
        // Patches before the .cvd that announces them, each .sign before its file.
        Assert.Equal(["test-2.cdiff.sign", "test-2.cdiff"], database.Published.Take(2));
        Assert.Equal(["test-6.cvd.sign", "test.cvd"], database.Published.TakeLast(2));
        Assert.False(Directory.Exists(Path.Combine(bed.Root.StateDirectory, "clamav", "staging", "test")));
        // One header, five patches, the .cvd, six signatures.
        Assert.Equal(13, result.Requests);
    }

    [Fact]
    public async Task Should_fetch_only_the_missing_patches_and_the_new_database_for_a_mirror_at_3()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 3);
        await bed.Mirror().UpdateAsync(CancellationToken.None);
        bed.UpstreamAt(6);
        var before = bed.Server.RequestCount;

        var result = await bed.Mirror().UpdateAsync(CancellationToken.None);

        Assert.Empty(result.Failures);
        Assert.Equal(
            ["test.cvd", "test-6.cdiff", "test-5.cdiff", "test-4.cdiff", "test.cvd", "test-6.cdiff.sign", "test-5.cdiff.sign", "test-4.cdiff.sign", "test-6.cvd.sign"],
            bed.RequestsSince(before));
        Assert.Equal(FullTestMirror, bed.ServedFiles());
        Assert.Equal((3, 6), (result.Databases[0].From, result.Databases[0].To));
        Assert.Equal(["test-3.cvd.sign"], result.Databases[0].Removed);
    }

    [Fact]
    public async Task Should_check_an_up_to_date_mirror_with_one_small_request()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        await bed.Mirror().UpdateAsync(CancellationToken.None);
        var listing = bed.ServedFiles().Select(f => (f, File.GetLastWriteTimeUtc(Path.Combine(bed.Served, f)))).ToList();
        var before = bed.Server.RequestCount;

        var clock = Stopwatch.StartNew();
        var result = await bed.Mirror().UpdateAsync(CancellationToken.None);
        clock.Stop();

        Assert.Equal(["test.cvd"], bed.RequestsSince(before));
        Assert.Equal(1, result.Requests);
        Assert.Equal(512, result.BytesDownloaded);
        Assert.Empty(result.Databases[0].Published);
        Assert.Equal(listing, bed.ServedFiles().Select(f => (f, File.GetLastWriteTimeUtc(Path.Combine(bed.Served, f)))).ToList());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"a no-op check took {clock.Elapsed}");
    }

    [Fact]
    public async Task Should_keep_only_the_newest_patches()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);

        await bed.Mirror(bed.Options with { Keep = 2 }).UpdateAsync(CancellationToken.None);

        Assert.Equal(["test-5.cdiff", "test-5.cdiff.sign", "test-6.cdiff", "test-6.cdiff.sign", "test-6.cvd.sign", "test.cvd"], bed.ServedFiles());
    }

    [Fact]
    public async Task Should_treat_a_missing_old_patch_as_the_end_of_upstreams_history()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        File.Delete(Path.Combine(bed.UpstreamFolder, "test-3.cdiff"));

        var result = await bed.Mirror().UpdateAsync(CancellationToken.None);

        Assert.Empty(result.Failures);
        Assert.Equal(["test-4.cdiff", "test-5.cdiff", "test-6.cdiff"], bed.ServedFiles().Where(f => f.EndsWith(".cdiff")));
        Assert.Contains("upstream no longer has test-3.cdiff", result.Databases[0].Note);
        Assert.DoesNotContain("test-2.cdiff", bed.RequestsSince(0));
    }

    [Theory]
    [InlineData("test.cvd", 3000L, "md5")]
    [InlineData("test-5.cdiff", 200L, "dsig")]
    [InlineData("test.cvd", 300L, "header")]
    public async Task Should_publish_nothing_of_a_database_when_one_file_is_damaged(string file, long offset, string why)
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 3);
        await bed.Mirror().UpdateAsync(CancellationToken.None);
        bed.UpstreamAt(6);
        var before = bed.ServedFiles();
        bed.Server.Intercept = FaultInjection.ForPath("/" + file, FaultInjection.FlipByte(offset));

        var result = await bed.Mirror().UpdateAsync(CancellationToken.None);

        var failure = Assert.Single(result.Failures);
        Assert.IsType<ClamAvFormatException>(failure);
        Assert.StartsWith($"{bed.Server.BaseUri}{file}: {why}", failure.Message);
        Assert.Equal(before, bed.ServedFiles());
        Assert.Equal(3, ServedDatabase.Read(bed.Served, "test").Version);
        Assert.Throws<ClamAvFormatException>(result.ThrowIfFailed);
    }

    [Fact]
    public async Task Should_refuse_a_truncated_database()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        File.WriteAllBytes(Path.Combine(bed.UpstreamFolder, "test.cvd"), File.ReadAllBytes(ClamAvFixtures.File("test-6.cvd"))[..5000]);

        var result = await bed.Mirror().UpdateAsync(CancellationToken.None);

        Assert.Contains("test.cvd: md5: the header says", Assert.Single(result.Failures).Message);
        Assert.Empty(bed.ServedFiles());
    }

    [Fact]
    public async Task Should_refuse_a_patch_for_another_version()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        File.Copy(ClamAvFixtures.File("test-5.cdiff"), Path.Combine(bed.UpstreamFolder, "test-6.cdiff"), overwrite: true);

        var result = await bed.Mirror().UpdateAsync(CancellationToken.None);

        Assert.EndsWith("test-6.cdiff: version: the name says 6, the patch says 5", Assert.Single(result.Failures).Message);
        Assert.Empty(bed.ServedFiles());
    }

    [Fact]
    public async Task Should_refuse_a_swapped_sign_file_when_a_CA_folder_is_configured()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        File.Copy(ClamAvFixtures.File("test-5.cvd.sign"), Path.Combine(bed.UpstreamFolder, "test-6.cvd.sign"), overwrite: true);
        var options = bed.Options with { Certificates = ClamAvFixtures.TestCertificates(bed.Scratch) };

        var result = await bed.Mirror(options).UpdateAsync(CancellationToken.None);

        Assert.Contains("test-6.cvd.sign: no signature verifies test.cvd against the CA folder", Assert.Single(result.Failures).Message);
        Assert.Empty(bed.ServedFiles());
    }

    [Fact]
    public async Task Should_refuse_a_database_whose_version_is_not_the_one_announced()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        await using var dns = new TxtDnsServer("0.103.0:59:7:1602487740:0:63:49191:331");
        var options = bed.ServeAsDaily();
        var result = await bed.Mirror(options, dns: ClamAvTestBed.Resolver(dns)).UpdateAsync(CancellationToken.None);

        Assert.EndsWith("daily.cvd: version: upstream announced 7 (dns), the database says 6", Assert.Single(result.Failures).Message);
        Assert.Empty(bed.ServedFiles());
    }

    [Fact]
    public async Task Should_learn_versions_from_DNS_and_ask_nothing_over_HTTP_when_nothing_changed()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        await using var dns = new TxtDnsServer("0.103.0:59:6:1602487740:0:63:49191:331");
        var options = bed.ServeAsDaily();
        var first = await bed.Mirror(options, dns: ClamAvTestBed.Resolver(dns)).UpdateAsync(CancellationToken.None);
        var before = bed.Server.RequestCount;
        var second = await bed.Mirror(options, dns: ClamAvTestBed.Resolver(dns)).UpdateAsync(CancellationToken.None);

        Assert.Equal("dns", first.Plan.Databases[0].VersionSource);
        Assert.DoesNotContain("daily.cvd", bed.RequestsSince(0).Take(5));
        Assert.Equal(6, first.Databases[0].To);
        Assert.Equal(0, bed.Server.RequestCount - before);
        Assert.Equal(0, second.Requests);
        Assert.Equal(2, dns.Queries);
    }

    [Fact]
    public async Task Should_honour_Retry_After_of_a_429_and_remember_it_across_runs()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        var start = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var time = new FixedTime(start);
        bed.Server.Intercept = (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "7200";
            return Task.CompletedTask;
        };

        var refused = await bed.Mirror(time: time).UpdateAsync(CancellationToken.None);
        bed.Server.Intercept = null;
        time.Now += TimeSpan.FromHours(1);
        var before = bed.Server.RequestCount;
        var early = await bed.Mirror(time: time).UpdateAsync(CancellationToken.None);
        var requestsWhileWaiting = bed.Server.RequestCount - before;
        time.Now = start.AddHours(2).AddMinutes(1);
        var later = await bed.Mirror(time: time).UpdateAsync(CancellationToken.None);

        Assert.Equal(1, refused.Requests);
        Assert.Equal(start.AddHours(2), refused.NextCheck);
        Assert.Contains("HTTP 429", refused.WaitReason);
        Assert.Empty(refused.Failures);
        Assert.Equal(0, requestsWhileWaiting);
        Assert.Equal(refused.NextCheck, early.NextCheck);
        Assert.Contains("HTTP 429", early.Plan.WaitReason);
        Assert.Equal(6, later.Databases[0].To);
    }

    [Fact]
    public async Task Should_wait_4_hours_after_a_429_without_Retry_After_and_24_hours_after_a_403()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        var start = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var time = new FixedTime(start);
        bed.Server.Intercept = FaultInjection.Status(429);
        var tooMany = await bed.Mirror(time: time).UpdateAsync(CancellationToken.None);
        time.Now += TimeSpan.FromHours(5);
        bed.Server.Intercept = FaultInjection.Status(403);
        var forbidden = await bed.Mirror(time: time).UpdateAsync(CancellationToken.None);
        bed.Server.Intercept = null;
        time.Now += TimeSpan.FromHours(23);
        var stillBlocked = await bed.Mirror(time: time).UpdateAsync(CancellationToken.None);

        Assert.Equal(start.AddHours(4), tooMany.NextCheck);
        Assert.Equal(start.AddHours(5 + 24), forbidden.NextCheck);
        Assert.Contains("HTTP 403", forbidden.WaitReason);
        Assert.Equal(0, stillBlocked.Requests);
        Assert.Equal(forbidden.NextCheck, stillBlocked.NextCheck);
        Assert.Empty(bed.ServedFiles());
    }

    [Fact]
    public async Task Should_ask_upstream_at_most_once_per_interval_with_a_stable_installation_id()
    {
        await using var bed = await ClamAvTestBed.StartAsync(version: 6);
        var time = new FixedTime(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var agents = new List<string>();
        bed.Server.Intercept = (context, serve) =>
        {
            agents.Add(context.Request.Headers.UserAgent.ToString());
            return serve();
        };
        var options = bed.Options with { Interval = TimeSpan.FromMinutes(60) };

        var first = await bed.Mirror(options, time).UpdateAsync(CancellationToken.None);
        time.Now += TimeSpan.FromMinutes(30);
        var early = await bed.Mirror(options, time).UpdateAsync(CancellationToken.None);
        time.Now += TimeSpan.FromMinutes(31);
        var due = await bed.Mirror(options, time).UpdateAsync(CancellationToken.None);

        Assert.Equal(first.NextCheck, early.NextCheck);
        Assert.Equal(0, early.Requests);
        Assert.Contains("at most one check every 60 min", early.WaitReason);
        Assert.Equal(1, due.Requests);
        var state = CdnState.Load(Path.Combine(bed.Root.StateDirectory, "clamav", "cdn.json"));
        Assert.All(agents, agent => Assert.Matches($@"^AlpineMirror/\S+ \(ClamAV database mirror; UUID: {state.InstallationId}\)$", agent));
    }
}
