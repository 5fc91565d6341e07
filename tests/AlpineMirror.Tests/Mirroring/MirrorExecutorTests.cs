using System.Net;
using AlpineMirror.Apk;
using AlpineMirror.Mirroring;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;
using Microsoft.AspNetCore.Http;

namespace AlpineMirror.Tests.Mirroring;

public sealed class MirrorExecutorTests : IAsyncLifetime
{
    private const string Busybox = "main/x86_64/busybox-1.34.1-r5.apk";
    private MirrorTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await MirrorTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Should_mirror_the_whole_upstream_into_empty_staging_byte_for_byte()
    {
        // Given an empty root and a demo upstream
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        _bed.ClearRequests();

        // When the plan is executed
        var result = await _bed.MirrorAsync(plan, staging);

        // Then staging holds exactly upstream's branch tree, netboot folder and link included
        Assert.Equal(MirrorTestBed.Tree(_bed.UpstreamBranch), MirrorTestBed.Tree(staging));
        Assert.Equal("netboot-3.15.4", new FileInfo(Path.Combine(staging, "releases/x86_64/netboot")).LinkTarget);
        var images = plan.Releases.Single().Images.Count;
        var packages = plan.Repositories.Sum(r => r.Packages.Count);
        Assert.Equal(packages + 4 * images, result.Downloaded);
        Assert.Equal(0, result.Reused);
        Assert.Equal(plan.DownloadBytes + CompanionFileBytes(staging), result.BytesDownloaded);
        // Indexes and latest-releases.yaml come from the plan, not a second download; each .asc is asked for once.
        Assert.DoesNotContain(_bed.Requests, r => r.Path.EndsWith("APKINDEX.tar.gz", StringComparison.Ordinal) || r.Path.EndsWith(".yaml", StringComparison.Ordinal));
        Assert.Equal(images, _bed.Requests.Count(r => r.Path.EndsWith(".asc", StringComparison.Ordinal)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_request_only_changed_files_when_staging_is_a_clone_of_the_previous_snapshot()
    {
        // Given 3.15.4 published, then upstream moving to 3.15.5
        var previous = _bed.Publish(await MirrorFirstReleaseAsync(), "3.15.4");
        var before = MirrorTestBed.Tree(previous);
        _bed.PublishSecondRelease();
        var plan = await _bed.PlanAsync();
        var staging = _bed.CloneToStaging(previous);
        _bed.ClearRequests();

        // When the plan is executed into the hard-link clone
        var result = await _bed.MirrorAsync(plan, staging);

        // Then only the changed packages and the new release files were requested, each once
        var changedPackages = plan.Repositories.SelectMany(r => r.ToFetch.Select(p => $"{r.Repo}/{r.Arch}/{p.FileName}")).ToList();
        Assert.Equal(8, changedPackages.Count);
        var releaseFiles = plan.Releases.Single().Images
            .SelectMany(image => new[] { "", ".sha256", ".sha512", ".asc" }.Select(suffix => $"releases/x86_64/{image.File}{suffix}"));
        var expected = changedPackages.Concat(releaseFiles).Select(MirrorTestBed.RequestPath).Order(StringComparer.Ordinal);
        Assert.Equal(expected, _bed.Requests.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.Equal(8 + 3 * 4, result.Downloaded);
        Assert.Equal(plan.Repositories.Sum(r => r.Packages.Count) - 8, result.Reused);

        // And staging is the new upstream exactly, while the published snapshot kept every file it had
        Assert.Equal(MirrorTestBed.Tree(_bed.UpstreamBranch), MirrorTestBed.Tree(staging));
        Assert.Equal(before, MirrorTestBed.Tree(previous));
        Assert.False(File.Exists(Path.Combine(staging, "community/x86_64/neofetch-7.1.0-r0.apk")));
        Assert.False(Directory.Exists(Path.Combine(staging, "releases/x86_64/netboot-3.15.4")));
        Assert.True(result.Removed >= 1 + 7 + 9 + 1, $"removed {result.Removed}");
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_remove_from_staging_whatever_the_plan_does_not_list_at_any_depth_and_never_follow_a_symlink()
    {
        // Given a staging folder holding the plan, plus folders, files and symlinks no plan lists
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        await _bed.MirrorAsync(plan, staging);
        var outside = Directory.CreateDirectory(Path.Combine(_bed.WorkDirectory, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "precious"), "must survive");
        Directory.CreateDirectory(Path.Combine(staging, "testing/x86_64"));
        File.WriteAllText(Path.Combine(staging, "testing/x86_64/evil-1.0-r0.apk"), "never verified");
        File.WriteAllText(Path.Combine(staging, "notes.txt"), "operator notes");
        File.WriteAllText(Path.Combine(staging, "releases/notes.txt"), "operator notes");
        File.CreateSymbolicLink(Path.Combine(staging, "outside"), outside);
        File.CreateSymbolicLink(Path.Combine(staging, "main/x86_64/passwd"), "/etc/passwd");

        // When the plan runs again
        var result = await _bed.MirrorAsync(plan, staging);

        // Then staging is the upstream tree exactly, the symlinks went but not what they point to
        Assert.Equal(MirrorTestBed.Tree(_bed.UpstreamBranch), MirrorTestBed.Tree(staging));
        Assert.Equal(5, result.Removed);
        Assert.Equal("must survive", File.ReadAllText(Path.Combine(outside, "precious")));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_download_nothing_when_staging_already_holds_the_plan()
    {
        // Given a staging folder already mirrored
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        await _bed.MirrorAsync(plan, staging);
        _bed.ClearRequests();

        // When the same plan runs again
        var result = await _bed.MirrorAsync(plan, staging);

        // Then every file is kept after hashing (each .asc after parsing), and nothing is asked for
        Assert.Equal(0, result.Downloaded);
        Assert.Empty(_bed.Requests);
        Assert.Equal(plan.Repositories.Sum(r => r.Packages.Count) + 3 * 4, result.Reused);
    }

    [Fact]
    public async Task Should_refuse_a_package_whose_signature_member_was_replaced_at_the_same_size()
    {
        // Given upstream serving busybox with its signature member re-signed by another key under the trusted key's name
        var plan = await _bed.PlanAsync();
        var busybox = plan.Repositories.SelectMany(r => r.Packages.Select(p => (r, p))).First(x => x.p.Name == "busybox");
        var relative = $"{busybox.r.Repo}/{busybox.r.Arch}/{busybox.p.FileName}";
        var upstreamFile = Path.Combine(_bed.UpstreamBranch, relative);
        File.WriteAllBytes(upstreamFile, ForgedSignatureMember.Replace(File.ReadAllBytes(upstreamFile)));
        var staging = _bed.NewStaging();

        // When mirrored with the trusted keys
        using var keys = TrustedKeys.Load(_bed.KeysDirectory);
        var error = await Assert.ThrowsAsync<SignatureException>(
            () => _bed.MirrorAsync(plan, staging, settings: new MirrorSettings { PackageKeys = keys }));

        // Then the run fails naming the package, after its retries, and nothing of it is in staging
        Assert.StartsWith($"{_bed.Layout.PackageUri(busybox.r.Repo, busybox.r.Arch, busybox.p.FileName).AbsoluteUri}: no trusted signature verifies: ", error.Message);
        Assert.Equal(1 + _bed.ClientOptions.Retries, _bed.Requests.Count(r => r.Path.EndsWith("/" + busybox.p.FileName, StringComparison.Ordinal)));
        Assert.False(File.Exists(Path.Combine(staging, relative)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_create_a_package_that_fits_in_memory_under_its_own_name_with_no_temporary()
    {
        // Given an empty staging folder watched for every name created in it
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        Directory.CreateDirectory(Path.Combine(staging, "main/x86_64"));
        var created = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var watcher = new FileSystemWatcher(Path.Combine(staging, "main/x86_64")) { InternalBufferSize = 64 * 1024 };
        watcher.Created += (_, e) => created.Enqueue(e.Name!);
        watcher.Renamed += (_, e) => created.Enqueue(e.Name!);
        watcher.EnableRaisingEvents = true;

        // When mirrored
        await _bed.MirrorAsync(plan, staging);

        // Then busybox (smaller than one buffer) appeared once, under its own name, as every package did: no temporary, no rename
        var busybox = Path.GetFileName(Busybox);
        Assert.True(new FileInfo(Path.Combine(staging, Busybox)).Length < 128 * 1024);
        // inotify's events arrive on their own thread: wait for the one that must come
        for (var waited = 0; !created.Contains(busybox) && waited < 100; waited++)
        {
            await Task.Delay(50);
        }

        Assert.Single(created, name => name == busybox);
        // (the index is written last, atomically, through a temporary of its own)
        Assert.DoesNotContain(created, name => AtomicFile.IsTemporary(name) && !name.StartsWith(".APKINDEX.tar.gz.", StringComparison.Ordinal));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_replace_a_staged_hard_link_with_wrong_bytes_and_leave_the_file_it_shares_alone()
    {
        // Given staging whose busybox is a hard link to a file outside staging (a published snapshot's) with one byte flipped
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        var outside = Path.Combine(_bed.WorkDirectory, "published-busybox.apk");
        File.Copy(Path.Combine(_bed.UpstreamBranch, Busybox), outside);
        FlipByte(outside, 100);
        var before = File.ReadAllBytes(outside);
        Directory.CreateDirectory(Path.Combine(staging, "main/x86_64"));
        ExternalCommand.Require("ln", [outside, Path.Combine(staging, Busybox)]);

        // When mirrored
        await _bed.MirrorAsync(plan, staging);

        // Then staging holds a new, verified busybox, and the file outside was never written
        Assert.Equal(before, File.ReadAllBytes(outside));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_bed.UpstreamBranch, Busybox)), File.ReadAllBytes(Path.Combine(staging, Busybox)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_replace_a_staged_file_of_the_right_size_whose_bytes_are_wrong()
    {
        // Given a mirrored staging folder in which one package got a flipped byte (same size)
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        await _bed.MirrorAsync(plan, staging);
        var good = File.ReadAllBytes(Path.Combine(staging, Busybox));
        FlipByte(Path.Combine(staging, Busybox), good.Length - 10);
        _bed.ClearRequests();

        // When the plan runs again
        var result = await _bed.MirrorAsync(plan, staging);

        // Then the content decided: that package was downloaded again
        Assert.Equal(1, result.Downloaded);
        Assert.Contains(_bed.Requests, r => r.Path == MirrorTestBed.RequestPath(Busybox));
        Assert.Equal(good, File.ReadAllBytes(Path.Combine(staging, Busybox)));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(404)]
    public async Task Should_retry_an_error_status_then_succeed(int status)
    {
        // Given upstream failing the first two requests of every file
        var plan = await _bed.PlanAsync();
        _bed.Fault = FaultInjection.ForPath(".apk", FaultInjection.FirstRequests(2, FaultInjection.Status(status)));
        var staging = _bed.NewStaging();

        // When mirrored
        await _bed.MirrorAsync(plan, staging);

        // Then each package took three requests and all verify
        Assert.Equal(3, _bed.Requests.Count(r => r.Path == MirrorTestBed.RequestPath(Busybox)));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_retry_an_aborted_connection_then_succeed()
    {
        var plan = await _bed.PlanAsync();
        _bed.Fault = FaultInjection.FirstRequests(1, FaultInjection.Abort());
        var staging = _bed.NewStaging();

        await _bed.MirrorAsync(plan, staging);

        Assert.Equal(2, _bed.Requests.Count(r => r.Path == MirrorTestBed.RequestPath(Busybox)));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_resume_a_truncated_body_with_a_range_request()
    {
        // Given upstream cutting the first response of busybox after 1000 bytes
        var plan = await _bed.PlanAsync();
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", FaultInjection.FirstRequests(1, FaultInjection.TruncateBody(1000)));
        var staging = _bed.NewStaging();

        // When mirrored
        var result = await _bed.MirrorAsync(plan, staging);

        // Then the second request asked for the rest only, and the file verifies
        var requests = _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).ToList();
        Assert.Equal([null, "bytes=1000-"], requests.Select(r => r.Range));
        Assert.Equal(1, result.Resumed);
        Assert.Equal(1, result.Retried);
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_resume_a_stalled_body_after_the_timeout()
    {
        // Given upstream sending 1500 bytes of busybox and then nothing until the client gives up, once; the timeout
        // leaves every other answer ample time on a loaded machine
        var plan = await _bed.PlanAsync();
        _bed.ClientOptions = _bed.ClientOptions with { Timeout = TimeSpan.FromSeconds(2) };
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", FaultInjection.FirstRequests(1, StallAfter(1500)));
        var staging = _bed.NewStaging();

        // When mirrored
        var result = await _bed.MirrorAsync(plan, staging);

        // Then the stall was noticed and the rest fetched with a range
        var requests = _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).ToList();
        Assert.Equal([null, "bytes=1500-"], requests.Select(r => r.Range));
        Assert.Equal(1, result.Resumed);
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_start_over_when_the_server_ignores_the_range()
    {
        // Given a server that cuts the first response short and then answers range requests with the whole file
        var plan = await _bed.PlanAsync();
        var truncate = FaultInjection.FirstRequests(1, FaultInjection.TruncateBody(1000));
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", (context, serve) =>
        {
            context.Request.Headers.Remove("Range");
            return truncate(context, serve);
        });
        var staging = _bed.NewStaging();

        // When mirrored
        var result = await _bed.MirrorAsync(plan, staging);

        // Then the 200 answer restarted file and check, and the result verifies
        Assert.Equal([null, "bytes=1000-"], _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).Select(r => r.Range));
        Assert.Equal(0, result.Resumed);
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_retry_a_corrupt_copy_from_scratch()
    {
        // Given upstream serving busybox with a flipped byte once
        var plan = await _bed.PlanAsync();
        var size = new FileInfo(Path.Combine(_bed.UpstreamBranch, Busybox)).Length;
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", FaultInjection.FirstRequests(1, FaultInjection.FlipByte(size - 100)));
        var staging = _bed.NewStaging();

        // When mirrored
        var result = await _bed.MirrorAsync(plan, staging);

        // Then the second, whole download was kept
        Assert.Equal([null, null], _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).Select(r => r.Range));
        Assert.Equal(1, result.Retried);
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_refuse_a_package_that_is_corrupt_on_every_attempt()
    {
        // Given upstream always serving busybox with a flipped byte in its data
        var plan = await _bed.PlanAsync();
        var size = new FileInfo(Path.Combine(_bed.UpstreamBranch, Busybox)).Length;
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", FaultInjection.FlipByte(size - 100));
        var staging = _bed.NewStaging();

        // When mirrored
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => _bed.MirrorAsync(plan, staging));

        // Then the error names the URL, datahash and the attempts, and nothing of the file is left
        Assert.Equal(_bed.Layout.PackageUri("main", "x86_64", "busybox-1.34.1-r5.apk").AbsoluteUri, error.Source);
        Assert.Equal("datahash", error.Field);
        Assert.EndsWith("(after 3 attempts)", error.Message);
        Assert.Equal(3, _bed.Requests.Count(r => r.Path == MirrorTestBed.RequestPath(Busybox)));
        Assert.False(File.Exists(Path.Combine(staging, Busybox)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
        Assert.False(File.Exists(Path.Combine(staging, "main/x86_64/APKINDEX.tar.gz")));
    }

    [Fact]
    public async Task Should_refuse_a_file_upstream_keeps_missing()
    {
        var plan = await _bed.PlanAsync();
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", FaultInjection.Status(404));
        var staging = _bed.NewStaging();

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _bed.MirrorAsync(plan, staging));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal(3, error.Attempts);
        Assert.False(File.Exists(Path.Combine(staging, Busybox)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_retry_a_response_slower_than_the_timeout_then_succeed()
    {
        // Given upstream never answering the first request for busybox; the timeout leaves every other answer ample time
        var plan = await _bed.PlanAsync();
        _bed.ClientOptions = _bed.ClientOptions with { Timeout = TimeSpan.FromSeconds(2) };
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", FaultInjection.FirstRequests(1, FaultInjection.Stall()));
        var staging = _bed.NewStaging();

        await _bed.MirrorAsync(plan, staging);

        Assert.Equal(2, _bed.Requests.Count(r => r.Path == MirrorTestBed.RequestPath(Busybox)));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_refuse_a_file_that_is_always_slower_than_the_timeout()
    {
        // Given upstream never answering for busybox
        var plan = await _bed.PlanAsync();
        _bed.ClientOptions = _bed.ClientOptions with { Timeout = TimeSpan.FromSeconds(1), Retries = 1 };
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", FaultInjection.Stall());
        var staging = _bed.NewStaging();

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _bed.MirrorAsync(plan, staging));

        Assert.Equal(_bed.Layout.PackageUri("main", "x86_64", "busybox-1.34.1-r5.apk").AbsoluteUri, error.Source);
        Assert.Contains("no complete response within 1 s (after 2 attempts)", error.Message);
        Assert.False(File.Exists(Path.Combine(staging, Busybox)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    /// <summary>A staging folder the plan was mirrored into, whose busybox is gone again; with the bytes it had.</summary>
    private async Task<(MirrorPlan Plan, string Staging, string Target, byte[] Bytes)> StagingWithoutBusyboxAsync()
    {
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        await _bed.MirrorAsync(plan, staging);
        var target = Path.Combine(staging, Busybox);
        var bytes = File.ReadAllBytes(target);
        File.Delete(target);
        return (plan, staging, target, bytes);
    }

    [Fact]
    public async Task Should_resume_a_partial_file_left_by_an_interrupted_run()
    {
        // Given a staging folder where busybox is only a leftover temporary holding its first 2000 bytes
        var (plan, staging, target, bytes) = await StagingWithoutBusyboxAsync();
        var leftover = Path.Combine(staging, "main/x86_64/.busybox-1.34.1-r5.apk.0123abcd.partial");
        File.WriteAllBytes(leftover, bytes[..2000]);
        _bed.ClearRequests();

        // When the plan runs again
        var result = await _bed.MirrorAsync(plan, staging);

        // Then only the missing bytes were requested
        Assert.Equal(["bytes=2000-"], _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).Select(r => r.Range));
        Assert.Equal(1, result.Resumed);
        Assert.Equal(bytes, File.ReadAllBytes(target));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_start_over_when_a_resumed_leftover_proves_wrong()
    {
        // Given a leftover whose data bytes are damaged, which only the datahash at the end can tell
        var (plan, staging, target, bytes) = await StagingWithoutBusyboxAsync();
        var damaged = bytes[..^500];
        damaged[^1] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(staging, "main/x86_64/.busybox-1.34.1-r5.apk.89abcdef.partial"), damaged);
        _bed.ClearRequests();

        // When the plan runs again
        var result = await _bed.MirrorAsync(plan, staging);

        // Then the resumed file failed its check and was fetched again whole
        Assert.Equal([$"bytes={damaged.Length}-", null], _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).Select(r => r.Range));
        Assert.Equal(1, result.Retried);
        Assert.Equal(bytes, File.ReadAllBytes(target));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_discard_a_leftover_whose_control_member_is_wrong_without_a_range_request()
    {
        // Given a leftover holding another package's first bytes: C: already tells it apart
        var (plan, staging, target, bytes) = await StagingWithoutBusyboxAsync();
        var other = File.ReadAllBytes(Path.Combine(staging, "main/x86_64/musl-1.2.2-r7.apk"));
        File.WriteAllBytes(Path.Combine(staging, "main/x86_64/.busybox-1.34.1-r5.apk.89abcdef.partial"), other[..Math.Min(other.Length, bytes.Length - 1)]);
        _bed.ClearRequests();

        // When the plan runs again
        var result = await _bed.MirrorAsync(plan, staging);

        // Then the file was fetched whole at once
        Assert.Equal([null], _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).Select(r => r.Range));
        Assert.Equal(0, result.Resumed);
        Assert.Equal(bytes, File.ReadAllBytes(target));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Theory]
    [InlineData("symlink")]
    [InlineData("hard link")]
    public async Task Should_never_write_through_a_leftover_that_is_a_link_to_a_file_outside_staging(string kind)
    {
        // Given a resumed staging folder where busybox's leftover temporary is a link to a file outside the root
        var (plan, staging, target, bytes) = await StagingWithoutBusyboxAsync();
        var outside = Path.Combine(_bed.WorkDirectory, "shadow");
        const string Precious = "root:$6$precious:19000:0:99999:7:::\n";
        File.WriteAllText(outside, Precious);
        var leftover = Path.Combine(staging, "main/x86_64/.busybox-1.34.1-r5.apk.0123abcd.partial");
        if (kind == "symlink")
        {
            File.CreateSymbolicLink(leftover, outside);
        }
        else
        {
            ExternalCommand.Require("ln", [outside, leftover]);
        }

        // When the plan runs again
        await _bed.MirrorAsync(plan, staging);

        // Then the outside file is as it was, and busybox is a plain file of its own holding the verified bytes
        Assert.Equal(Precious, File.ReadAllText(outside));
        Assert.Null(new FileInfo(target).LinkTarget);
        Assert.Equal(bytes, File.ReadAllBytes(target));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_refuse_a_plan_entry_that_climbs_out_of_its_folder_before_any_request()
    {
        // Given a plan whose index (as if validly signed) lists "../../escape"
        var version = "";

        // When executed
        var error = await RefusedBeforeAnyRequestAsync(main =>
        {
            var hostile = main.Packages[0] with { Name = "../../escape" };
            version = hostile.Version;
            return main with { Packages = [.. main.Packages, hostile], ToFetch = [hostile] };
        });

        // Then nothing was requested or written, inside staging or out
        Assert.Contains("expected a plain file name, got '../../escape-", error.Message);
        Assert.False(File.Exists(Path.Combine(_bed.WorkDirectory, "escape-" + version + ".apk")));
    }

    [Theory]
    [InlineData("main")]
    [InlineData("main/x86_64")]
    [InlineData("releases")]
    [InlineData("releases/x86_64")]
    public async Task Should_refuse_a_symlinked_folder_inside_staging_before_any_request(string folder)
    {
        // Given staging where a repository or release folder is a symlink to a folder outside staging
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        var outside = Directory.CreateDirectory(Path.Combine(_bed.WorkDirectory, "outside")).FullName;
        var link = Path.Combine(staging, folder);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        Directory.CreateSymbolicLink(link, outside);
        _bed.ClearRequests();

        // When mirrored
        var error = await Assert.ThrowsAsync<MirrorException>(() => _bed.MirrorAsync(plan, staging));

        // Then the link is named, nothing was requested, and nothing was written where it points
        Assert.Equal($"{link}: expected a real folder inside staging, found a symlink to '{outside}'", error.Message);
        Assert.Empty(_bed.Requests);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public async Task Should_replace_a_symlinked_package_in_staging_and_leave_its_target_alone()
    {
        // Given staging whose busybox is a symlink to a file outside staging holding busybox's very bytes
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        var outside = Path.Combine(_bed.WorkDirectory, "outside.apk");
        File.Copy(Path.Combine(_bed.UpstreamBranch, Busybox), outside);
        var before = File.ReadAllBytes(outside);
        Directory.CreateDirectory(Path.Combine(staging, "main/x86_64"));
        File.CreateSymbolicLink(Path.Combine(staging, Busybox), outside);

        // When mirrored
        await _bed.MirrorAsync(plan, staging);

        // Then busybox was fetched into a real file of staging, and the link's target is untouched
        Assert.Single(_bed.Requests, r => r.Path == MirrorTestBed.RequestPath(Busybox));
        Assert.Null(new FileInfo(Path.Combine(staging, Busybox)).LinkTarget);
        Assert.Equal(before, File.ReadAllBytes(outside));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_refuse_a_resumed_body_that_does_not_start_where_the_download_stopped()
    {
        // Given upstream cutting busybox after 1000 bytes, then answering the range request from byte 500 instead
        var plan = await _bed.PlanAsync();
        _bed.ClientOptions = _bed.ClientOptions with { Retries = 1 };
        var truncate = FaultInjection.FirstRequests(1, FaultInjection.TruncateBody(1000));
        _bed.Fault = FaultInjection.ForPath("busybox-1.34.1-r5.apk", (context, serve) =>
        {
            if (context.Request.Headers.Range.Count > 0)
            {
                context.Request.Headers.Range = "bytes=500-";
            }

            return truncate(context, serve);
        });
        var staging = _bed.NewStaging();

        // When mirrored
        var error = await Assert.ThrowsAsync<UpstreamException>(() => _bed.MirrorAsync(plan, staging));

        // Then the misplaced bytes were never appended: the mismatch is named, and nothing of busybox is left
        Assert.Equal([null, "bytes=1000-"], _bed.Requests.Where(r => r.Path == MirrorTestBed.RequestPath(Busybox)).Select(r => r.Range));
        Assert.Contains("resume: expected bytes from 1000, got Content-Range 'bytes 500-", error.Message);
        Assert.False(File.Exists(Path.Combine(staging, Busybox)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_refuse_a_plan_listing_the_same_file_twice_before_any_request()
    {
        // Given a plan whose index (as if validly signed) lists busybox twice
        // When executed
        var error = await RefusedBeforeAnyRequestAsync(main =>
            main with { Packages = [.. main.Packages, main.Packages.Single(p => p.FileName == Path.GetFileName(Busybox))] });

        // Then nothing was requested or written
        Assert.Equal("main/x86_64/APKINDEX.tar.gz: package file name: expected each file once, got busybox-1.34.1-r5.apk twice", error.Message);
    }

    /// <summary>Executes the plan with its main repository changed by <paramref name="tamper"/>; requires a refusal before any request or write.</summary>
    private async Task<ApkFormatException> RefusedBeforeAnyRequestAsync(Func<RepositoryPlan, RepositoryPlan> tamper)
    {
        var plan = await _bed.PlanAsync();
        var tampered = plan with { Repositories = [tamper(plan.Repositories.Single(r => r.Repo == "main"))] };
        var staging = _bed.NewStaging();
        _bed.ClearRequests();

        var error = await Assert.ThrowsAsync<ApkFormatException>(() => _bed.MirrorAsync(tampered, staging));

        Assert.Empty(_bed.Requests);
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging));
        return error;
    }

    [Fact]
    public async Task Should_fail_cleanly_when_staging_runs_out_of_space()
    {
        // Given staging on a real tmpfs smaller than the mirror
        var plan = await _bed.PlanAsync();
        var mount = Path.Combine(_bed.WorkDirectory, "tiny");
        Directory.CreateDirectory(mount);
        TmpfsMount.Mount(mount, plan.DownloadBytes / 3);

        try
        {
            var staging = Path.Combine(mount, "staging");
            Directory.CreateDirectory(staging);

            // When mirrored
            var error = await Assert.ThrowsAnyAsync<AlpineMirrorException>(() => _bed.MirrorAsync(plan, staging));

            // Then the failure is typed and one line, and no temporary or half file is left
            Assert.True(error is MirrorException or StorageException, error.ToString());
            Assert.Contains("No space left on device", error.Message);
            Assert.DoesNotContain('\n', error.Message);
            Assert.Empty(MirrorTestBed.Temporaries(staging));
            foreach (var repository in plan.Repositories)
            {
                foreach (var package in repository.Packages)
                {
                    var path = Path.Combine(staging, repository.Repo, repository.Arch, package.FileName);
                    if (File.Exists(path))
                    {
                        await using var file = File.OpenRead(path);
                        await PackageVerifier.VerifyAsync(file, package, path, CancellationToken.None);
                    }
                }
            }
        }
        finally
        {
            TmpfsMount.Unmount(mount);
        }
    }

    [Fact]
    public async Task Should_run_more_downloads_at_once_when_upstream_is_far_away()
    {
        // Given an upstream 30 ms away (every request held that long) and two downloads at once asked for
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        int inFlight = 0, mostInFlight = 0;
        var distant = FaultInjection.Delay(TimeSpan.FromMilliseconds(30));
        _bed.Fault = async (context, serve) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            try
            {
                await distant(context, serve);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        };

        // When staging is mirrored
        await _bed.MirrorAsync(plan, staging, settings: new MirrorSettings { Parallel = 2 });

        // Then more than two requests were in flight once the round trip was measured, never more than four times two,
        // and the tree is upstream's
        Assert.InRange(mostInFlight, 3, 8);
        Assert.Equal(MirrorTestBed.Tree(_bed.UpstreamBranch), MirrorTestBed.Tree(staging));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task Should_stop_and_clean_up_when_cancelled()
    {
        // Given upstream never answering, and a run cancelled once its first request has reached upstream
        var plan = await _bed.PlanAsync();
        // Not disposed: a request still in flight may reach upstream and cancel it again after the test.
        var cancellation = new CancellationTokenSource();
        _bed.Fault = FaultInjection.Stall(arrived: cancellation.Cancel);
        var staging = _bed.NewStaging();

        // When the run is cancelled mid-way
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _bed.MirrorAsync(plan, staging, cancellationToken: cancellation.Token));

        // Then nothing partial remains and no index was written
        Assert.Empty(MirrorTestBed.Temporaries(staging));
        Assert.False(File.Exists(Path.Combine(staging, "main/x86_64/APKINDEX.tar.gz")));
    }

    [Fact]
    public async Task Should_report_progress_up_to_every_file()
    {
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        var reports = new List<MirrorProgress>();
        var progress = new SynchronousProgress(reports);

        await _bed.MirrorAsync(plan, staging, progress);

        var last = reports[^1];
        Assert.Equal(last.FilesTotal, last.FilesDone);
        Assert.Equal(plan.Repositories.Sum(r => r.Packages.Count) + 4 * plan.Releases.Single().Images.Count, last.FilesTotal);
        Assert.Equal(plan.DownloadBytes, last.BytesTotal);
        Assert.True(last.BytesDone >= plan.DownloadBytes);
    }

    private async Task<string> MirrorFirstReleaseAsync()
    {
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging("first");
        await _bed.MirrorAsync(plan, staging);
        return staging;
    }

    // The .sha256, .sha512 and .asc files beside the images: fetched whole, outside the plan's byte count.
    private static long CompanionFileBytes(string staging) =>
        Directory.EnumerateFiles(Path.Combine(staging, "releases/x86_64"), "*.sha*")
            .Concat(Directory.EnumerateFiles(Path.Combine(staging, "releases/x86_64"), "*.asc"))
            .Sum(path => new FileInfo(path).Length);

    private static void FlipByte(string path, long offset)
    {
        // A new file, not a write in place: the file may share its inode with another snapshot.
        var bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0xFF;
        File.Delete(path);
        File.WriteAllBytes(path, bytes);
    }

    // Sends the headers and the first bytes, then goes silent until the client gives up.
    private static Func<HttpContext, Func<Task>, Task> StallAfter(int bytes) =>
        async (context, serve) =>
        {
            var original = context.Response.Body;
            context.Response.Body = new StallingBody(original, bytes, context.RequestAborted);
            try
            {
                await serve();
            }
            catch (OperationCanceledException)
            {
                // The client gave up, as it should.
            }
            finally
            {
                context.Response.Body = original;
            }
        };

    private sealed class SynchronousProgress(List<MirrorProgress> reports) : IProgress<MirrorProgress>
    {
        public void Report(MirrorProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    /// <summary>A write-only body that passes the first bytes on and then blocks until the request is aborted.</summary>
    private sealed class StallingBody(Stream inner, long keep, CancellationToken aborted) : Stream
    {
        private long _position;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var pass = (int)Math.Clamp(keep - _position, 0, buffer.Length);
            _position += buffer.Length;
            if (pass > 0)
            {
                await inner.WriteAsync(buffer[..pass], cancellationToken);
                await inner.FlushAsync(cancellationToken);
            }

            if (_position > keep)
            {
                await Task.Delay(Timeout.Infinite, aborted);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
