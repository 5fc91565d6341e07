using AlpineMirror.Apk;
using AlpineMirror.Mirroring;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.Mirroring;

/// <summary>The release part of a mirror run: images, their checksum and signature files, netboot.</summary>
public sealed class ReleaseFilesTests : IAsyncLifetime
{
    private MirrorTestBed _bed = null!;

    private string ReleasesUpstream => Path.Combine(_bed.UpstreamBranch, "releases/x86_64");

    public async Task InitializeAsync() => _bed = await MirrorTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Should_mirror_a_signature_upstream_publishes_and_ask_once_for_one_it_does_not()
    {
        // Given upstream signing the standard ISO only
        var plan = await _bed.PlanAsync();
        var images = plan.Releases.Single().Images;
        var standard = images.Single(i => i.Flavor == "alpine-standard").File;
        File.WriteAllText(Path.Combine(ReleasesUpstream, standard + ".asc"), "-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n");
        var staging = _bed.NewStaging();

        // When mirrored
        await _bed.MirrorAsync(plan, staging);

        // Then that signature is mirrored, and each missing one cost a single request
        Assert.Equal(File.ReadAllBytes(Path.Combine(ReleasesUpstream, standard + ".asc")), File.ReadAllBytes(Path.Combine(staging, "releases/x86_64", standard + ".asc")));
        Assert.All(images.Where(i => i.File != standard), i => Assert.False(File.Exists(Path.Combine(staging, "releases/x86_64", i.File + ".asc"))));
        Assert.All(images, i => Assert.Single(_bed.Requests, r => r.Path.EndsWith(i.File + ".asc", StringComparison.Ordinal)));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_retry_a_signature_request_that_failed_for_another_reason_than_404()
    {
        var plan = await _bed.PlanAsync();
        var standard = plan.Releases.Single().Images.Single(i => i.Flavor == "alpine-standard").File;
        File.WriteAllText(Path.Combine(ReleasesUpstream, standard + ".asc"), "signature");
        _bed.Fault = FaultInjection.ForPath(".asc", FaultInjection.FirstRequests(1, FaultInjection.Status(502)));
        var staging = _bed.NewStaging();

        var result = await _bed.MirrorAsync(plan, staging);

        Assert.Equal("signature", File.ReadAllText(Path.Combine(staging, "releases/x86_64", standard + ".asc")));
        Assert.Equal(2, _bed.Requests.Count(r => r.Path.EndsWith(standard + ".asc", StringComparison.Ordinal)));
        Assert.Equal(3, result.Retried);
    }

    [Fact]
    public async Task Should_refuse_a_checksum_file_that_disagrees_with_latest_releases()
    {
        // Given upstream's .sha256 for the virt ISO naming another digest
        var plan = await _bed.PlanAsync();
        var virt = plan.Releases.Single().Images.Single(i => i.Flavor == "alpine-virt");
        var wrong = new string('e', 64);
        File.WriteAllText(Path.Combine(ReleasesUpstream, virt.File + ".sha256"), $"{wrong}  {virt.File}\n");
        var staging = _bed.NewStaging();

        // When mirrored
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => _bed.MirrorAsync(plan, staging));

        // Then the run fails naming the URL, the field and both digests, and writes no such file
        Assert.Equal($"{_bed.Layout.ReleaseFileUri("x86_64", virt.File + ".sha256").AbsoluteUri}: sha256: expected {virt.Sha256}, got {wrong}", error.Message);
        Assert.False(File.Exists(Path.Combine(staging, "releases/x86_64", virt.File + ".sha256")));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_retry_an_image_served_corrupt_once()
    {
        var plan = await _bed.PlanAsync();
        var virt = plan.Releases.Single().Images.Single(i => i.Flavor == "alpine-virt");
        _bed.Fault = FaultInjection.ForPath(virt.File, FaultInjection.FirstRequests(1, FaultInjection.FlipByte(10)));
        var staging = _bed.NewStaging();

        var result = await _bed.MirrorAsync(plan, staging);

        Assert.Equal(1, result.Retried);
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }

    [Fact]
    public async Task Should_refuse_an_image_whose_size_differs_from_latest_releases()
    {
        // Given upstream replacing the virt ISO with a longer file after the plan was made
        var plan = await _bed.PlanAsync();
        var virt = plan.Releases.Single().Images.Single(i => i.Flavor == "alpine-virt");
        var path = Path.Combine(ReleasesUpstream, virt.File);
        File.WriteAllBytes(path, [.. File.ReadAllBytes(path), 0]);
        var staging = _bed.NewStaging();

        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => _bed.MirrorAsync(plan, staging));

        Assert.Equal("size", error.Field);
        Assert.Equal($"more than {virt.Size} bytes (after 3 attempts)", error.Actual);
        Assert.False(File.Exists(Path.Combine(staging, "releases/x86_64", virt.File)));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_rebuild_a_netboot_folder_that_differs_from_its_tarball()
    {
        // Given a mirrored staging folder whose netboot folder lost a file and gained another
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        await _bed.MirrorAsync(plan, staging);
        var netboot = Path.Combine(staging, "releases/x86_64/netboot-3.15.4");
        File.Delete(Directory.EnumerateFiles(netboot).First());
        File.WriteAllText(Path.Combine(netboot, "stray"), "x");

        // When the plan runs again
        await _bed.MirrorAsync(plan, staging);

        // Then the folder is the tarball's boot/ tree again
        Assert.Equal(MirrorTestBed.Tree(Path.Combine(ReleasesUpstream, "netboot-3.15.4")), MirrorTestBed.Tree(netboot));
        StagingVerifier.Verify(plan, staging, new VerifySettings());
    }
}
