using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Mirroring;
using AlpineMirror.Planning;
using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Mirroring;

public sealed class StagingVerifierTests : IAsyncLifetime
{
    private const string Busybox = "main/x86_64/busybox-1.34.1-r5.apk";
    private MirrorTestBed _bed = null!;
    private MirrorPlan _plan = null!;
    private string _staging = null!;
    private MirrorResult _mirrored = null!;

    public async Task InitializeAsync()
    {
        // Every test starts from a staging folder the executor filled from the demo upstream.
        _bed = await MirrorTestBed.StartAsync();
        _plan = await _bed.PlanAsync();
        _staging = _bed.NewStaging();
        _mirrored = await _bed.MirrorAsync(_plan, _staging);
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public void Should_pass_a_complete_staging_folder_and_say_what_it_checked()
    {
        var report = StagingVerifier.Verify(_plan, _staging, new VerifySettings());

        Assert.Equal(_plan.Repositories.Sum(r => r.Packages.Count), report.Packages);
        // Every package, image, index and latest-releases.yaml was read in full.
        var expected = _plan.Repositories.Sum(r => r.Packages.Sum(p => p.Size) + r.Index.Length)
            + _plan.Releases.Sum(r => r.Images.Sum(i => i.Size) + r.LatestReleases.Length);
        Assert.Equal(expected, report.BytesHashed);
        // latest-releases.yaml, 3 images with .sha256, .sha512 and .asc, the netboot folder.
        Assert.Equal(1 + 3 * 3 + 1, report.ReleaseFiles);
    }

    [Fact]
    public void Should_catch_a_flipped_byte_in_a_package()
    {
        // Given a package whose last byte changed, size unchanged
        var path = Path.Combine(_staging, Busybox);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF;
        Replace(path, bytes);

        // When verified
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        // Then the failure names the file and the datahash
        Assert.Equal(1, error.ProblemCount);
        Assert.StartsWith($"{Busybox}: datahash: expected ", error.Problems[0]);
        Assert.Contains($"{Busybox}: datahash", error.Message);
    }

    [Fact]
    public void Should_catch_a_package_swapped_for_another_of_the_same_size()
    {
        // Given the control member of another package: C: differs
        var path = Path.Combine(_staging, Busybox);
        var size = new FileInfo(path).Length;
        var other = File.ReadAllBytes(Path.Combine(_staging, "main/x86_64/openrc-0.44.7-r5.apk"));
        var swapped = new byte[size];
        other.AsSpan(0, (int)Math.Min(size, other.Length)).CopyTo(swapped);
        Replace(path, swapped);

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Contains(error.Problems, p => p.StartsWith($"{Busybox}: C: expected ", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_catch_a_leftover_temporary_file()
    {
        File.WriteAllBytes(Path.Combine(_staging, "community/x86_64/.go-1.17.8-r0.apk.0badc0de.partial"), [1, 2, 3]);

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Equal(["community/x86_64/.go-1.17.8-r0.apk.0badc0de.partial: temporary left by an unfinished write, expected none"], error.Problems);
    }

    [Fact]
    public void Should_catch_a_temporary_outside_the_planned_folders()
    {
        Directory.CreateDirectory(Path.Combine(_staging, "testing/x86_64"));
        File.WriteAllBytes(Path.Combine(_staging, "testing/x86_64/.APKINDEX.tar.gz.12345678.partial"), [1]);

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Contains("testing/x86_64/.APKINDEX.tar.gz.12345678.partial: temporary", error.Message);
    }

    [Fact]
    public void Should_catch_a_file_no_index_lists()
    {
        File.WriteAllText(Path.Combine(_staging, "main/x86_64/evil-1.0-r0.apk"), "not listed");

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Equal(["main/x86_64/evil-1.0-r0.apk: not listed in APKINDEX.tar.gz, expected no such file"], error.Problems);
    }

    [Fact]
    public void Should_catch_anything_the_plan_does_not_list_anywhere_in_staging()
    {
        // Given folders, files and symlinks beside the planned ones, at every depth
        Directory.CreateDirectory(Path.Combine(_staging, "testing/x86_64"));
        File.WriteAllText(Path.Combine(_staging, "testing/x86_64/evil-1.0-r0.apk"), "never verified");
        File.WriteAllText(Path.Combine(_staging, "notes.txt"), "operator notes");
        File.CreateSymbolicLink(Path.Combine(_staging, "etc"), "/etc");
        Directory.CreateDirectory(Path.Combine(_staging, "main/aarch64"));
        File.WriteAllText(Path.Combine(_staging, "releases/notes.txt"), "operator notes");

        // When verified
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        // Then each is named once, as what it is
        Assert.Equal(
        [
            "etc: not listed in the plan, expected no such symlink",
            "main/aarch64: not listed in the plan, expected no such folder",
            "notes.txt: not listed in the plan, expected no such file",
            "releases/notes.txt: not listed in the plan, expected no such file",
            "testing: not listed in the plan, expected no such folder",
        ], error.Problems);
    }

    [Fact]
    public void Should_catch_a_planned_folder_that_is_a_symlink_to_a_copy_elsewhere()
    {
        // Given community/ moved out of staging and a symlink left in its place: every file in it still checks out
        var elsewhere = Path.Combine(_bed.WorkDirectory, "community-elsewhere");
        Directory.Move(Path.Combine(_staging, "community"), elsewhere);
        File.CreateSymbolicLink(Path.Combine(_staging, "community"), elsewhere);

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Contains($"community: expected a folder, found a symlink to '{elsewhere}'", error.Problems);
    }

    [Fact]
    public void Should_catch_a_signature_file_that_is_a_symlink()
    {
        // Given an image's optional .asc replaced by a symlink to a file outside staging
        var image = _plan.Releases.Single().Images[0].File;
        var signature = Path.Combine(_staging, "releases/x86_64", image + ".asc");
        File.Delete(signature);
        File.CreateSymbolicLink(signature, "/etc/passwd");

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Equal([$"releases/x86_64/{image}.asc: expected a file or nothing, found a symlink to '/etc/passwd'"], error.Problems);
    }

    [Fact]
    public void Should_catch_a_missing_package()
    {
        File.Delete(Path.Combine(_staging, Busybox));

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Equal([$"{Busybox}: missing, expected a file of {_plan.Repositories[0].Packages.Single(p => p.Name == "busybox").Size} bytes"], error.Problems);
    }

    [Fact]
    public void Should_catch_an_index_that_differs_from_the_plan()
    {
        var index = Path.Combine(_staging, "community/x86_64/APKINDEX.tar.gz");
        Replace(index, File.ReadAllBytes(Path.Combine(_staging, "main/x86_64/APKINDEX.tar.gz")));

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Contains(error.Problems, p => p.StartsWith("community/x86_64/APKINDEX.tar.gz: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_catch_a_release_image_and_checksum_file_that_disagree_with_latest_releases()
    {
        // Given a corrupted ISO and a .sha512 naming another digest
        var image = _plan.Releases.Single().Images.Single(i => i.Flavor == "alpine-virt");
        var iso = Path.Combine(_staging, "releases/x86_64", image.File);
        var bytes = File.ReadAllBytes(iso);
        bytes[100] ^= 0xFF;
        Replace(iso, bytes);
        File.WriteAllText(iso + ".sha512", new string('0', 128) + "  " + image.File + "\n");

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Equal(2, error.ProblemCount);
        Assert.Contains(error.Problems, p => p.StartsWith($"releases/x86_64/{image.File}: sha256: expected {image.Sha256}, got ", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p == $"releases/x86_64/{image.File}.sha512: sha512: expected {image.Sha512}, got {new string('0', 128)}");
    }

    [Fact]
    public void Should_catch_a_netboot_link_and_folder_that_do_not_match_the_tarball()
    {
        // Given netboot pointing elsewhere and a changed kernel in netboot-3.15.4/
        var releases = Path.Combine(_staging, "releases/x86_64");
        File.Delete(Path.Combine(releases, "netboot"));
        Directory.CreateDirectory(Path.Combine(releases, "elsewhere"));
        File.CreateSymbolicLink(Path.Combine(releases, "netboot"), "elsewhere");
        var kernel = Directory.EnumerateFiles(Path.Combine(releases, "netboot-3.15.4"), "vmlinuz-*").First();
        var bytes = File.ReadAllBytes(kernel);
        bytes[0] ^= 0xFF;
        Replace(kernel, bytes);

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Contains("releases/x86_64/netboot: symlink: expected -> netboot-3.15.4, got -> elsewhere", error.Problems);
        Assert.Contains("releases/x86_64/elsewhere: not listed in latest-releases.yaml, expected no such folder", error.Problems);
        Assert.Contains(error.Problems, p => p.StartsWith($"releases/x86_64/netboot-3.15.4/{Path.GetFileName(kernel)}: content: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_name_at_most_ten_problems_and_count_the_rest()
    {
        foreach (var package in _plan.Repositories.SelectMany(r => r.Packages.Select(p => Path.Combine(_staging, r.Repo, r.Arch, p.FileName))))
        {
            File.Delete(package);
        }

        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings()));

        Assert.Equal(_plan.Repositories.Sum(r => r.Packages.Count), error.ProblemCount);
        Assert.Equal(10, error.Problems.Count);
        Assert.EndsWith($"; and {error.ProblemCount - 10} more", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Should_trip_the_wipe_guard_when_more_than_a_tenth_of_the_packages_go()
    {
        // Given a plan that drops 5 of 34 previous packages (unchanged 29 + 5 removed)
        var plan = PlanRemoving(5, unchanged: 29);

        // When verified without --force
        var error = Assert.Throws<WipeGuardException>(() => StagingVerifier.Verify(plan, _staging, new VerifySettings()));

        // Then it stops, saying how much and what to do
        Assert.Equal("3.15.4: removes 5 of the previous snapshot's 34 packages (14.7 %), more than the 10.0 % allowed; pass --force to publish anyway", error.Message);
    }

    [Fact]
    public void Should_let_the_wipe_guard_pass_with_force_or_at_the_limit()
    {
        var report = StagingVerifier.Verify(PlanRemoving(5, unchanged: 29), _staging, new VerifySettings { Force = true });
        Assert.Equal(5, report.RemovedPackages);
        Assert.Equal(34, report.PreviousPackages);

        // 3 of 30 is exactly 10 %: allowed.
        StagingVerifier.Verify(PlanRemoving(3, unchanged: 27), _staging, new VerifySettings());
    }

    [Fact]
    public void Should_refuse_a_share_outside_zero_to_one()
    {
        Assert.Throws<ConfigurationException>(() => StagingVerifier.Verify(_plan, _staging, new VerifySettings { MaxRemovedShare = 1.5 }));
    }

    [Fact]
    public void Should_fail_closed_on_a_missing_staging_folder()
    {
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(_plan, Path.Combine(_bed.WorkDirectory, "nowhere"), new VerifySettings()));

        Assert.Contains("staging folder: missing", error.Message);
    }

    // The demo plan of an empty root, presented as an update of a snapshot that held `removed` more packages.
    private MirrorPlan PlanRemoving(int removed, int unchanged)
    {
        var main = _plan.Repositories.Single(r => r.Repo == "main");
        var gone = Enumerable.Range(0, removed)
            .Select(i => main.Packages[0] with { Name = $"gone{i}" })
            .ToList();
        return _plan with
        {
            Snapshot = "3.15.4",
            PreviousSnapshot = "3.15.3",
            Repositories = [.. _plan.Repositories.Select(r => r with { Removed = r == main ? gone : [], Unchanged = r == main ? unchanged : 0, Added = [] })],
        };
    }

    // Never written in place: staging files may share their inode with a published snapshot.
    [Fact]
    public void Should_hash_none_of_the_files_this_runs_mirror_downloaded_and_say_how_many_it_trusted()
    {
        // Given staging that this run's Mirror step just filled, every package and image downloaded and verified
        var downloads = _plan.Repositories.Sum(r => r.Packages.Count) + _plan.Releases.Sum(r => r.Images.Count);
        Assert.Equal(downloads, _mirrored.Downloads.Count);

        // When verified with Mirror's record
        var report = StagingVerifier.Verify(_plan, _staging, null, _mirrored.Downloads, new VerifySettings());

        // Then none of them is read again: only the indexes and latest-releases.yaml are, and every other check still ran
        Assert.Equal(downloads, report.MirroredFiles);
        Assert.Equal(_plan.Repositories.Sum(r => (long)r.Index.Length) + _plan.Releases.Sum(r => (long)r.LatestReleases.Length), report.BytesHashed);
        Assert.Equal(1 + 3 * 3 + 1, report.ReleaseFiles);
    }

    [Fact]
    public void Should_hash_and_refuse_a_downloaded_package_replaced_after_mirror_by_another_file_of_the_same_size()
    {
        // Given a downloaded package replaced by a new file (a new inode) of the same size, one byte flipped
        var path = Path.Combine(_staging, Busybox);
        Assert.Equal(0, LibC.StatNoFollow(path, out var before));
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF;
        var other = Path.Combine(_bed.WorkDirectory, "other.apk");
        File.WriteAllBytes(other, bytes);
        File.Move(other, path, overwrite: true);
        Assert.Equal(0, LibC.StatNoFollow(path, out var after));
        Assert.False(after.IsSameFileAs(before));

        // When verified with Mirror's record
        var error = Assert.Throws<VerificationException>(
            () => StagingVerifier.Verify(_plan, _staging, null, _mirrored.Downloads, new VerifySettings()));

        // Then it is hashed and refused
        Assert.Equal(1, error.ProblemCount);
        Assert.StartsWith($"{Busybox}: datahash: expected ", error.Problems[0]);
    }

    [Fact]
    public void Should_hash_and_refuse_a_downloaded_package_modified_in_place_after_mirror()
    {
        // Given a downloaded package whose last byte is flipped in the very file (same inode), once the clock has
        // moved past the change time Mirror recorded, so the write is bound to move it
        var path = Path.Combine(_staging, Busybox);
        Assert.Equal(0, LibC.StatNoFollow(path, out var before));
        WaitForChangeTimeAfter(before.ChangeTime);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Seek(-1, SeekOrigin.End);
            var last = (byte)file.ReadByte();
            file.Seek(-1, SeekOrigin.End);
            file.WriteByte((byte)(last ^ 0xFF));
        }

        Assert.Equal(0, LibC.StatNoFollow(path, out var after));
        Assert.True(after.IsSameFileAs(before));
        Assert.Equal(before.Size, after.Size);

        // When verified with Mirror's record
        var error = Assert.Throws<VerificationException>(
            () => StagingVerifier.Verify(_plan, _staging, null, _mirrored.Downloads, new VerifySettings()));

        // Then it is hashed and refused
        Assert.Equal(1, error.ProblemCount);
        Assert.StartsWith($"{Busybox}: datahash: expected ", error.Problems[0]);
    }

    [Fact]
    public void Should_hash_every_file_without_a_record_of_this_runs_mirror_or_in_full_mode()
    {
        var everything = _plan.Repositories.Sum(r => r.Packages.Sum(p => p.Size) + r.Index.Length)
            + _plan.Releases.Sum(r => r.Images.Sum(i => i.Size) + r.LatestReleases.Length);

        // Given no Mirror step in this process, When verified
        var alone = StagingVerifier.Verify(_plan, _staging, null, null, new VerifySettings());

        // Then every package and image is hashed
        Assert.Equal(0, alone.MirroredFiles);
        Assert.Equal(everything, alone.BytesHashed);

        // Given the record but --verify=full, When verified, Then every file is hashed too
        var full = StagingVerifier.Verify(_plan, _staging, null, _mirrored.Downloads, new VerifySettings { Mode = VerifyMode.Full });
        Assert.Equal(0, full.MirroredFiles);
        Assert.Equal(everything, full.BytesHashed);
    }

    // Some file systems stamp change times at clock-tick granularity: waits until a fresh file gets a later one.
    private void WaitForChangeTimeAfter(long changeTime)
    {
        var probe = Path.Combine(_bed.WorkDirectory, "clock-probe");
        while (true)
        {
            File.WriteAllBytes(probe, []);
            Assert.Equal(0, LibC.StatNoFollow(probe, out var status));
            File.Delete(probe);
            if (status.ChangeTime > changeTime)
            {
                return;
            }

            Thread.Sleep(1);
        }
    }

    private static void Replace(string path, byte[] bytes)
    {
        File.Delete(path);
        File.WriteAllBytes(path, bytes);
    }
}
