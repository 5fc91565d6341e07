using AlpineMirror.Mirroring;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.Mirroring;

/// <summary>
/// Mirror and Verify in <see cref="VerifyMode.Changed"/>: a staged file that is still the very file (same inode) of a
/// previous snapshot an Update published, and listed unchanged, is checked for presence and size only.
/// </summary>
public sealed class UnchangedFilesTests : IAsyncLifetime
{
    private const string Busybox = "main/x86_64/busybox-1.34.1-r5.apk";
    private const string Previous = "3.15.4";
    private MirrorTestBed _bed = null!;
    private string _previous = null!;

    private MirrorRoot Root => new(_bed.MirrorRootPath);

    public async Task InitializeAsync()
    {
        // Every test starts from 3.15.4 mirrored, fully verified and published; the history is up to each test.
        _bed = await MirrorTestBed.StartAsync();
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging("first");
        await _bed.MirrorAsync(plan, staging);
        StagingVerifier.Verify(plan, staging, new VerifySettings { Mode = VerifyMode.Full });
        _previous = _bed.Publish(staging, Previous);
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Should_keep_unchanged_packages_of_a_verified_snapshot_on_their_size_and_hash_only_what_changed()
    {
        // Given 3.15.4 published by an Update, upstream at 3.15.5 and a hard-link clone of 3.15.4
        await _bed.RecordUpdateAsync(Previous);
        var (plan, staging) = await StageSecondReleaseAsync();
        var previous = VerifiedSnapshot.Find(Root, plan.PreviousSnapshot);
        Assert.NotNull(previous);

        // When the plan is mirrored and verified in the default mode
        var mirrored = await _bed.MirrorAsync(plan, staging, previous: previous);
        var report = StagingVerifier.Verify(plan, staging, previous, new VerifySettings());

        // Then no unchanged package was read, by either step
        var packages = plan.Repositories.Sum(r => r.Packages.Count);
        var changed = plan.Repositories.Sum(r => r.ToFetch.Count);
        Assert.Equal(8, changed);
        Assert.Equal(packages - changed, mirrored.UnchangedFiles);
        Assert.Equal(packages - changed, mirrored.Reused);
        Assert.Equal(0, mirrored.BytesChecked);
        Assert.Equal(VerifyMode.Changed, report.Mode);
        Assert.Equal(packages - changed, report.UnchangedFiles);
        Assert.Equal(packages, report.Packages);

        // And Verify hashed the downloaded packages, the new images, the indexes and latest-releases.yaml, nothing else
        var expected = plan.Repositories.Sum(r => r.ToFetch.Sum(p => p.Size) + r.Index.Length)
            + plan.Releases.Sum(r => r.Images.Sum(i => i.Size) + r.LatestReleases.Length);
        Assert.Equal(expected, report.BytesHashed);
        Assert.Equal(MirrorTestBed.Tree(_bed.UpstreamBranch), MirrorTestBed.Tree(staging));
    }

    [Fact]
    public async Task Should_not_notice_a_byte_changed_in_place_in_the_previous_snapshot_until_a_full_run()
    {
        // Given a byte of busybox changed in place in the published 3.15.4, against invariant 3 on purpose: the
        // hard-link clone sees the same change
        await _bed.RecordUpdateAsync(Previous);
        var (plan, staging) = await StageSecondReleaseAsync();
        var previous = VerifiedSnapshot.Find(Root, plan.PreviousSnapshot);
        FlipByteInPlace(Path.Combine(_previous, Busybox), new FileInfo(Path.Combine(_previous, Busybox)).Length - 10);
        _bed.ClearRequests();

        // When mirrored and verified in the default mode
        await _bed.MirrorAsync(plan, staging, previous: previous);
        var changed = StagingVerifier.Verify(plan, staging, previous, new VerifySettings());

        // Then neither step read busybox: that is the trade-off Changed makes
        Assert.DoesNotContain(_bed.Requests, r => r.Path == MirrorTestBed.RequestPath(Busybox));
        Assert.Equal(VerifyMode.Changed, changed.Mode);

        // When verified in full mode
        var error = Assert.Throws<VerificationException>(
            () => StagingVerifier.Verify(plan, staging, previous, new VerifySettings { Mode = VerifyMode.Full }));

        // Then the damage is found
        Assert.Equal(1, error.ProblemCount);
        Assert.StartsWith($"{Busybox}: datahash: expected ", error.Problems[0]);

        // And a full mirror replaces the file, after which a full verification passes
        _bed.ClearRequests();
        var repaired = await _bed.MirrorAsync(plan, staging, settings: new MirrorSettings { Mode = VerifyMode.Full }, previous: previous);
        Assert.Contains(_bed.Requests, r => r.Path == MirrorTestBed.RequestPath(Busybox));
        Assert.Equal(0, repaired.UnchangedFiles);
        Assert.True(repaired.BytesChecked > 0);
        var full = StagingVerifier.Verify(plan, staging, previous, new VerifySettings { Mode = VerifyMode.Full });
        Assert.Equal(VerifyMode.Full, full.Mode);
        Assert.Equal(0, full.UnchangedFiles);
        Assert.Equal(plan.Repositories.Sum(r => r.Packages.Sum(p => p.Size) + r.Index.Length)
            + plan.Releases.Sum(r => r.Images.Sum(i => i.Size) + r.LatestReleases.Length), full.BytesHashed);
    }

    [Fact]
    public async Task Should_hash_everything_when_no_update_in_the_history_published_the_previous_snapshot()
    {
        // Given 3.15.4 made by hand (no history), with busybox damaged in place, and 3.15.4 only rolled back to
        await new RunHistory(Root).AppendAsync(
            new RunRecord(Previous, "3.15.5", DateTimeOffset.UtcNow, 0, 0, 0, 0, RunAction.Rollback), CancellationToken.None);
        var (plan, staging) = await StageSecondReleaseAsync();
        var previous = VerifiedSnapshot.Find(Root, plan.PreviousSnapshot);
        Assert.Null(previous);
        FlipByteInPlace(Path.Combine(_previous, Busybox), new FileInfo(Path.Combine(_previous, Busybox)).Length - 10);
        _bed.ClearRequests();

        // When mirrored and verified in the default mode
        var mirrored = await _bed.MirrorAsync(plan, staging, previous: previous);
        var report = StagingVerifier.Verify(plan, staging, previous, new VerifySettings());

        // Then every staged file was hashed: the damaged busybox was fetched again, and Verify ran as Full
        Assert.Contains(_bed.Requests, r => r.Path == MirrorTestBed.RequestPath(Busybox));
        Assert.Equal(0, mirrored.UnchangedFiles);
        Assert.True(mirrored.BytesChecked > 0);
        Assert.Equal(VerifyMode.Full, report.Mode);
        Assert.Equal(0, report.UnchangedFiles);
    }

    [Fact]
    public async Task Should_hash_a_staged_copy_that_is_not_a_hard_link()
    {
        // Given a verified 3.15.4 but a staging folder that copied its files (as the cloner's fallback or a resumed
        // run may), with busybox damaged in the copy only
        await _bed.RecordUpdateAsync(Previous);
        _bed.PublishSecondRelease();
        var plan = await _bed.PlanAsync();
        var staging = Path.Combine(_bed.WorkDirectory, "copied");
        var copy = ExternalCommand.Run("cp", ["-a", _previous, staging]);
        Assert.True(copy.ExitCode == 0, copy.Error);
        FlipByteInPlace(Path.Combine(staging, Busybox), 2000);
        var previous = VerifiedSnapshot.Find(Root, plan.PreviousSnapshot);
        _bed.ClearRequests();

        // When mirrored and verified in the default mode
        var mirrored = await _bed.MirrorAsync(plan, staging, previous: previous);
        var report = StagingVerifier.Verify(plan, staging, previous, new VerifySettings());

        // Then no copy was taken on trust: busybox was found wrong and fetched again
        Assert.Equal(0, mirrored.UnchangedFiles);
        Assert.Contains(_bed.Requests, r => r.Path == MirrorTestBed.RequestPath(Busybox));
        Assert.Equal(0, report.UnchangedFiles);
        Assert.Equal(VerifyMode.Changed, report.Mode);
    }

    [Fact]
    public async Task Should_hash_a_package_whose_index_entry_changed_even_when_it_shares_its_inode()
    {
        // Given a mirrored 3.15.5 staging in which busybox, damaged in place in 3.15.4, went unnoticed
        await _bed.RecordUpdateAsync(Previous);
        var (plan, staging) = await StageSecondReleaseAsync();
        var previous = VerifiedSnapshot.Find(Root, plan.PreviousSnapshot);
        FlipByteInPlace(Path.Combine(_previous, Busybox), new FileInfo(Path.Combine(_previous, Busybox)).Length - 10);
        await _bed.MirrorAsync(plan, staging, previous: previous);

        // When the plan says busybox's entry changed (its C: differs between the indexes)
        var main = plan.Repositories.Single(r => r.Repo == "main");
        var busybox = main.Packages.Single(p => p.Name == "busybox");
        var rebuilt = plan with
        {
            Repositories = [.. plan.Repositories.Select(r => r == main ? r with { Updated = [.. r.Updated, new PackageUpdate(busybox, busybox)] } : r)],
        };
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(rebuilt, staging, previous, new VerifySettings()));

        // Then it is hashed despite the shared inode, and the damage found; mirroring that plan fetches it again
        Assert.Equal(1, error.ProblemCount);
        Assert.StartsWith($"{Busybox}: datahash: expected ", error.Problems[0]);
        _bed.ClearRequests();
        await _bed.MirrorAsync(rebuilt, staging, previous: previous);
        Assert.Contains(_bed.Requests, r => r.Path == MirrorTestBed.RequestPath(Busybox));
        StagingVerifier.Verify(rebuilt, staging, previous, new VerifySettings());
    }

    [Fact]
    public async Task Should_still_catch_in_changed_mode_a_flipped_byte_in_a_downloaded_package()
    {
        // Given a mirrored 3.15.5 staging in which a downloaded package got a flipped byte
        var (plan, staging, previous) = await MirrorSecondReleaseAsync();
        var downloaded = plan.Repositories.SelectMany(r => r.ToFetch.Select(p => $"{r.Repo}/{r.Arch}/{p.FileName}")).First();
        var path = Path.Combine(staging, downloaded);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF;
        File.Delete(path);
        File.WriteAllBytes(path, bytes);

        // When verified in the default mode
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(plan, staging, previous, new VerifySettings()));

        // Then it is named
        Assert.Equal(1, error.ProblemCount);
        Assert.StartsWith($"{downloaded}: datahash: expected ", error.Problems[0]);
    }

    [Fact]
    public async Task Should_still_catch_in_changed_mode_a_missing_file_a_wrong_size_and_a_temporary()
    {
        // Given a mirrored 3.15.5 staging: one unchanged package deleted, one truncated in place (in both snapshots,
        // which share it), and a temporary left behind
        var (plan, staging, previous) = await MirrorSecondReleaseAsync();
        var main = plan.Repositories.Single(r => r.Repo == "main");
        var busybox = main.Packages.Single(p => p.Name == "busybox");
        var openrc = main.Packages.Single(p => p.Name == "openrc");
        File.Delete(Path.Combine(staging, Busybox));
        using (var file = new FileStream(Path.Combine(staging, "main/x86_64", openrc.FileName), FileMode.Open, FileAccess.Write))
        {
            file.SetLength(openrc.Size - 1);
        }

        File.WriteAllBytes(Path.Combine(staging, "main/x86_64/.openrc.apk.0badc0de.partial"), [1, 2, 3]);

        // When verified in the default mode
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(plan, staging, previous, new VerifySettings()));

        // Then each is named
        Assert.Equal(
            [
                "main/x86_64/.openrc.apk.0badc0de.partial: temporary left by an unfinished write, expected none",
                $"{Busybox}: missing, expected a file of {busybox.Size} bytes",
                $"main/x86_64/{openrc.FileName}: size: expected {openrc.Size}, got {openrc.Size - 1}",
            ],
            error.Problems);
    }

    [Fact]
    public async Task Should_take_unchanged_images_and_the_netboot_folder_on_trust_when_the_release_did_not_change()
    {
        // Given 3.15.4 published by an Update and upstream unchanged since: every package and image listed unchanged
        await _bed.RecordUpdateAsync(Previous);
        var plan = await _bed.PlanAsync();
        var staging = _bed.CloneToStaging(_previous);
        var previous = VerifiedSnapshot.Find(Root, plan.PreviousSnapshot);
        var kernel = Directory.EnumerateFiles(Path.Combine(staging, "releases/x86_64/netboot-3.15.4"), "vmlinuz-*").First();

        // When mirrored and verified in the default mode
        var mirrored = await _bed.MirrorAsync(plan, staging, previous: previous);
        var report = StagingVerifier.Verify(plan, staging, previous, new VerifySettings());

        // Then only the indexes and latest-releases.yaml were hashed, and netboot was not unpacked again
        var files = plan.Repositories.Sum(r => r.Packages.Count) + plan.Releases.Sum(r => r.Images.Count);
        Assert.Equal(files, mirrored.UnchangedFiles);
        Assert.Equal(0, mirrored.BytesChecked);
        Assert.Equal(files, report.UnchangedFiles);
        Assert.Equal(plan.Repositories.Sum(r => r.Index.Length) + plan.Releases.Sum(r => r.LatestReleases.Length), report.BytesHashed);
        Assert.Equal(1 + 3 * 3 + 1, report.ReleaseFiles);
        Assert.True(SameFile(kernel, Path.Combine(_previous, Path.GetRelativePath(staging, kernel))));

        // When a netboot file in staging is replaced by a different one
        var bytes = File.ReadAllBytes(kernel);
        bytes[0] ^= 0xFF;
        File.Delete(kernel);
        File.WriteAllBytes(kernel, bytes);
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(plan, staging, previous, new VerifySettings()));

        // Then the folder is compared with the tarball again, and the file named
        Assert.Equal(1, error.ProblemCount);
        Assert.StartsWith($"releases/x86_64/netboot-3.15.4/{Path.GetFileName(kernel)}: content: ", error.Problems[0]);
    }

    // Upstream moves to 3.15.5; staging is a hard-link clone of the published 3.15.4, as the Snapshot step makes it.
    private async Task<(MirrorPlan Plan, string Staging)> StageSecondReleaseAsync()
    {
        _bed.PublishSecondRelease();
        var plan = await _bed.PlanAsync();
        return (plan, _bed.CloneToStaging(_previous));
    }

    private async Task<(MirrorPlan Plan, string Staging, VerifiedSnapshot Previous)> MirrorSecondReleaseAsync()
    {
        await _bed.RecordUpdateAsync(Previous);
        var (plan, staging) = await StageSecondReleaseAsync();
        var previous = VerifiedSnapshot.Find(Root, plan.PreviousSnapshot)!;
        await _bed.MirrorAsync(plan, staging, previous: previous);
        return (plan, staging, previous);
    }

    // A write in place, against invariant 3 on purpose: every hard link to the file sees it.
    private static void FlipByteInPlace(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0xFF));
    }

    private static bool SameFile(string a, string b) =>
        LibC.StatNoFollow(a, out var first) == 0 && LibC.StatNoFollow(b, out var second) == 0 && first.IsSameFileAs(second);
}
