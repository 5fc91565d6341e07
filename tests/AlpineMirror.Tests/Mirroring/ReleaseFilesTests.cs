using AlpineMirror.Apk;
using AlpineMirror.Mirroring;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;

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
        foreach (var unsigned in images.Where(i => i.File != standard))
        {
            File.Delete(Path.Combine(ReleasesUpstream, unsigned.File + ".asc"));
        }
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
        _bed.Fault = FaultInjection.ForPath(".asc", FaultInjection.FirstRequests(1, FaultInjection.Status(502)));
        var staging = _bed.NewStaging();

        var result = await _bed.MirrorAsync(plan, staging);

        Assert.Equal(File.ReadAllBytes(Path.Combine(ReleasesUpstream, standard + ".asc")), File.ReadAllBytes(Path.Combine(staging, "releases/x86_64", standard + ".asc")));
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

    [Fact]
    public async Task Should_refuse_a_netboot_tarball_with_a_replaced_kernel_that_latest_releases_vouches_for()
    {
        // Given upstream's netboot tarball with boot/vmlinuz-lts replaced, and latest-releases.yaml and the checksum files
        // rewritten to match it: only the .asc is still upstream's
        var tarball = ForgedNetboot.ReplaceBootFile(ReleasesUpstream, "vmlinuz-lts", ForgedNetboot.EvilKernel);
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();

        // When mirrored with the release keys
        var error = await Assert.ThrowsAsync<ReleaseSignatureException>(
            () => _bed.MirrorAsync(plan, staging, settings: new MirrorSettings { ReleaseKeys = _bed.ReleaseKeys() }));

        // Then the run stops naming the tarball, and no netboot file was unpacked from it
        var uri = _bed.Layout.ReleaseFileUri("x86_64", tarball).AbsoluteUri;
        Assert.Equal($"{uri}: OpenPGP signature {uri}.asc: BAD signature by release key {ReleaseSignature.Parse(File.ReadAllBytes(Path.Combine(ReleasesUpstream, tarball + ".asc")), "").KeyId}: the file differs from what was signed", error.Message);
        Assert.False(File.Exists(Path.Combine(staging, "releases/x86_64", tarball)));
        Assert.False(Directory.Exists(Path.Combine(staging, "releases/x86_64/netboot-3.15.4")));
        Assert.Empty(MirrorTestBed.Temporaries(staging));
    }

    [Fact]
    public async Task Should_refuse_an_image_upstream_did_not_sign_when_release_keys_are_set()
    {
        // Given upstream without the virt ISO's .asc
        var plan = await _bed.PlanAsync();
        var virt = plan.Releases.Single().Images.Single(i => i.Flavor == "alpine-virt").File;
        File.Delete(Path.Combine(ReleasesUpstream, virt + ".asc"));
        var staging = _bed.NewStaging();

        // When mirrored with the release keys
        var error = await Assert.ThrowsAsync<ReleaseSignatureException>(
            () => _bed.MirrorAsync(plan, staging, settings: new MirrorSettings { ReleaseKeys = _bed.ReleaseKeys() }));

        // Then the run stops naming the image, before fetching it
        Assert.Equal($"{_bed.Layout.ReleaseFileUri("x86_64", virt).AbsoluteUri}: OpenPGP signature: expected {virt}.asc by a release key, upstream has none", error.Message);
        Assert.DoesNotContain(_bed.Requests, r => r.Path.EndsWith(virt, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_never_publish_an_asc_that_is_not_an_openpgp_signature_even_without_release_keys()
    {
        // Given upstream serving a script as the standard ISO's .asc, and staging holding one from an earlier run
        var plan = await _bed.PlanAsync();
        var standard = plan.Releases.Single().Images.Single(i => i.Flavor == "alpine-standard").File;
        File.WriteAllText(Path.Combine(ReleasesUpstream, standard + ".asc"), "<script>alert(document.cookie)</script>");
        var staging = _bed.NewStaging();
        Directory.CreateDirectory(Path.Combine(staging, "releases/x86_64"));
        File.WriteAllText(Path.Combine(staging, "releases/x86_64", standard + ".asc"), "<script>stale</script>");

        // When mirrored without release keys
        var error = await Assert.ThrowsAsync<ReleaseSignatureException>(() => _bed.MirrorAsync(plan, staging));

        // Then the run fails after its retries, and staging holds no such .asc from upstream
        Assert.Contains("not a detached OpenPGP signature", error.Message);
        Assert.Equal(1 + _bed.ClientOptions.Retries, _bed.Requests.Count(r => r.Path.EndsWith(standard + ".asc", StringComparison.Ordinal)));
        Assert.NotEqual("<script>alert(document.cookie)</script>", File.ReadAllText(Path.Combine(staging, "releases/x86_64", standard + ".asc")));
    }

    [Fact]
    public async Task Should_fail_verification_of_an_image_whose_staged_signature_is_another_images()
    {
        // Given a staging folder mirrored with the release keys, then the virt ISO's .asc replaced by the standard ISO's
        var plan = await _bed.PlanAsync();
        var staging = _bed.NewStaging();
        var keys = _bed.ReleaseKeys();
        await _bed.MirrorAsync(plan, staging, settings: new MirrorSettings { ReleaseKeys = keys });
        var images = plan.Releases.Single().Images;
        var virt = images.Single(i => i.Flavor == "alpine-virt").File;
        var standard = images.Single(i => i.Flavor == "alpine-standard").File;
        var folder = Path.Combine(staging, "releases/x86_64");
        File.Delete(Path.Combine(folder, virt + ".asc"));
        File.Copy(Path.Combine(folder, standard + ".asc"), Path.Combine(folder, virt + ".asc"));

        // When verified with and without the release keys
        var error = Assert.Throws<VerificationException>(() => StagingVerifier.Verify(plan, staging, new VerifySettings { ReleaseKeys = keys }));
        StagingVerifier.Verify(plan, staging, new VerifySettings());

        // Then only the check with the keys fails, naming the image
        Assert.Contains($"releases/x86_64/{virt}: OpenPGP signature releases/x86_64/{virt}.asc: BAD signature", error.Message);
    }
}
