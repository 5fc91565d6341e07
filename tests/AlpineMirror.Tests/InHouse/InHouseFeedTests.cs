using AlpineMirror.Apk;
using AlpineMirror.InHouse;
using AlpineMirror.Tests.Apk;

namespace AlpineMirror.Tests.InHouse;

public sealed class InHouseFeedTests : IDisposable
{
    private const string Strace = "strace-5.17-r0.apk";
    private readonly InHouseTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private string[] AlpineStrace => ["alpine-v3.16-main-x86_64", Strace];

    [Fact]
    public async Task Should_publish_real_signed_packages_per_arch_with_noarch_in_each_and_indexes_openssl_verifies()
    {
        // Given real Alpine packages for x86_64 (flat and in x86_64/), a real aarch64 one in aarch64/, and a noarch one of ours
        _bed.DropFixture("", AlpineStrace);
        _bed.DropFixture("x86_64", "packages", "curl-7.83.1-r1.apk");
        _bed.DropFixture("aarch64", "rsa256-signed", "alpine-baselayout-3.2.0-r23.apk");
        _bed.Drop("station-config", "1.0-r0", "noarch");

        // When the in-house repository is updated
        var result = await _bed.Feed().UpdateAsync(CancellationToken.None);

        // Then each arch lists its own packages and the noarch one, and every listed file is the dropped file, byte for byte
        Assert.True(result.Published);
        Assert.Equal(["curl-7.83.1-r1.apk", "station-config-1.0-r0.apk", Strace], _bed.Listed("x86_64"));
        Assert.Equal(["alpine-baselayout-3.2.0-r23.apk", "station-config-1.0-r0.apk"], _bed.Listed("aarch64"));
        Assert.Equal("aarch64", Assert.Single(_bed.ReadIndex("aarch64").Entries, e => e.Name == "station-config").Arch);
        Assert.Equal(File.ReadAllBytes(Fixtures.Path(AlpineStrace)), File.ReadAllBytes(Path.Combine(_bed.Repository.ArchPath("x86_64"), Strace)));

        // And each published real package still carries its builder's signature, which openssl verifies over its control member
        foreach (var (arch, file, key) in new[]
                 {
                     ("x86_64", Strace, "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"),
                     ("x86_64", "curl-7.83.1-r1.apk", "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"),
                     ("aarch64", "alpine-baselayout-3.2.0-r23.apk", "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub"),
                 })
        {
            var package = File.ReadAllBytes(Path.Combine(_bed.Repository.ArchPath(arch), file));
            var members = RawGzipMembers.Split(package);
            var work = Directory.CreateTempSubdirectory("inhouse-package-").FullName;
            ExternalCommand.Require("tar", ["-xzf", "-"], members[0], work);
            File.WriteAllBytes(Path.Combine(work, "control.tar.gz"), members[1]);
            ExternalCommand.Require("openssl", ["dgst", "-sha1", "-verify", Fixtures.Path("keys", "alpine", key), "-signature", $".SIGN.RSA.{key}", "control.tar.gz"], workingDirectory: work);
            Assert.StartsWith(".PKGINFO", ExternalCommand.Require("tar", ["-tzf", "control.tar.gz"], workingDirectory: work).OutputText);
            Directory.Delete(work, recursive: true);
            using var builders = TrustedKeys.Load(_bed.BuilderKeys);
            Assert.Equal(file, ApkPackageReader.ReadSignedIndexEntry(Path.Combine(_bed.Repository.ArchPath(arch), file), builders).FileName);
        }

        // And openssl verifies each index's RSA256 signature with the published key, under the name stations give it
        foreach (var arch in InHouseTestBed.Archs)
        {
            var members = RawGzipMembers.Split(File.ReadAllBytes(_bed.Repository.IndexPath(arch)));
            var work = Directory.CreateTempSubdirectory("inhouse-openssl-").FullName;
            ExternalCommand.Require("tar", ["-xzf", "-"], members[0], work);
            Assert.Equal([".SIGN.RSA256.panoptiscan.rsa.pub"], Directory.GetFiles(work, ".SIGN*").Select(Path.GetFileName));
            File.WriteAllBytes(Path.Combine(work, "unsigned.tar.gz"), members[1]);
            ExternalCommand.Require("openssl", ["dgst", "-sha256", "-verify", _bed.Repository.PublicKeyPath, "-signature", ".SIGN.RSA256.panoptiscan.rsa.pub", "unsigned.tar.gz"], workingDirectory: work);
            Assert.Equal(["DESCRIPTION", "APKINDEX"], ExternalCommand.Require("tar", ["-tzf", "unsigned.tar.gz"], workingDirectory: work).OutputText.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Should_write_the_record_of_a_real_package_byte_for_byte_as_the_real_alpine_index_has_it()
    {
        // Given the real strace package and the real v3.16 index that lists it
        _bed.DropFixture("", AlpineStrace);
        var realIndex = RawGzipMembers.Split(File.ReadAllBytes(Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz")))[1];
        var realRecord = ExternalCommand.Require("tar", ["-xzOf", "-", "APKINDEX"], realIndex).OutputText
            .Split("\n\n").Single(record => record.Contains("\nP:strace\n")) + "\n\n";

        // When it is published in-house
        await _bed.Feed(archs: ["x86_64"]).UpdateAsync(CancellationToken.None);

        // Then the in-house APKINDEX, read by tar, is exactly that record
        var ours = RawGzipMembers.Split(File.ReadAllBytes(_bed.Repository.IndexPath("x86_64")))[1];
        Assert.Equal(realRecord, ExternalCommand.Require("tar", ["-xzOf", "-", "APKINDEX"], ours).OutputText);
    }

    [Fact]
    public async Task Should_round_trip_a_package_built_by_our_writer_and_signed_with_the_in_house_key_through_the_library_entry_point()
    {
        // Given a package another feed built and signed with the in-house key itself
        using var key = InHouseKeyPair.Load(_bed.Mirror, _bed.Options);
        var built = new ApkPackageBuilder(key).Build(InHouseTestBed.Spec("clamav-db", "27431-r0", "noarch"));
        var path = built.WriteTo(Directory.CreateTempSubdirectory("inhouse-feed-").FullName);

        // When that feed publishes it through the in-house entry point
        var result = await _bed.Feed(_bed.Options with { Incoming = null }).PublishAsync([path], CancellationToken.None);

        // Then both arches list it with the record the writer made, and the published file is the writer's bytes
        Assert.Equal(2, result.Added);
        foreach (var arch in InHouseTestBed.Archs)
        {
            var entry = Assert.Single(_bed.ReadIndex(arch).Entries);
            Assert.Equal(EntryFields.Of(built.Entry with { Arch = arch }), EntryFields.Of(entry));
            var published = Path.Combine(_bed.Repository.ArchPath(arch), built.Entry.FileName);
            Assert.Equal(built.Content.ToArray(), File.ReadAllBytes(published));
            Assert.Equal(EntryFields.Of(built.Entry), EntryFields.Of(ApkPackageReader.ReadIndexEntry(published)));
            ExternalCommand.Require("gzip", ["-t", published]);
        }
    }

    [Fact]
    public async Task Should_keep_the_newest_versions_of_each_name_and_never_drop_one_because_its_file_left_the_drop_folder()
    {
        // Given keep=2, and three versions of the controller dropped over two runs
        var options = _bed.Options with { Keep = 2 };
        var first = _bed.Drop("controller", "2.4.0-r0");
        await _bed.Feed(options).UpdateAsync(CancellationToken.None);
        File.Delete(first);
        _bed.Drop("controller", "2.4.1-r0");
        _bed.Drop("controller", "2.10.0-r0");

        // When the second run publishes
        var result = await _bed.Feed(options).UpdateAsync(CancellationToken.None);

        // Then the newest two by apk's version order are listed and present; the oldest left by retention only, its file after the index
        Assert.Equal(["controller-2.4.1-r0.apk", "controller-2.10.0-r0.apk"], _bed.Listed("x86_64"));
        Assert.Equal(["controller-2.4.0-r0"], result.Archs.Single(a => a.Arch == "x86_64").Removed);
        Assert.Equal(["APKINDEX.tar.gz", "controller-2.10.0-r0.apk", "controller-2.4.1-r0.apk"],
            Directory.GetFiles(_bed.Repository.ArchPath("x86_64")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(_bed.Repository.PreviousIndexPath("x86_64")));

        // And with the drop folder emptied, the next run keeps everything listed
        foreach (var file in Directory.GetFiles(_bed.Incoming, "*.apk", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        var again = await _bed.Feed(options).UpdateAsync(CancellationToken.None);
        Assert.False(again.Published);
        Assert.Equal(["controller-2.4.1-r0.apk", "controller-2.10.0-r0.apk"], _bed.Listed("x86_64"));
    }

    [Fact]
    public async Task Should_withdraw_a_version_keep_it_out_while_sources_still_offer_it_and_take_it_back_only_when_restored()
    {
        // Given two published versions, both still in the drop folder
        _bed.Drop("controller", "2.4.0-r0");
        _bed.Drop("controller", "2.4.1-r0");
        await _bed.Feed().UpdateAsync(CancellationToken.None);

        // When the newer one is withdrawn
        var withdrawn = _bed.Feed().Withdraw("controller-2.4.1-r0", restore: false);

        // Then the index is re-signed without it, its file is gone, and stations fall back to 2.4.0
        Assert.Equal(["controller-2.4.1-r0"], withdrawn.Archs.Single(a => a.Arch == "x86_64").Removed);
        Assert.Equal(["controller-2.4.0-r0.apk"], _bed.Listed("x86_64"));
        Assert.False(File.Exists(Path.Combine(_bed.Repository.ArchPath("x86_64"), "controller-2.4.1-r0.apk")));

        // And the next run leaves it out although the drop folder still holds it
        var next = await _bed.Feed().UpdateAsync(CancellationToken.None);
        Assert.Equal(["controller-2.4.1-r0"], next.SkippedWithdrawn);
        Assert.Equal(["controller-2.4.0-r0.apk"], _bed.Listed("x86_64"));

        // And once restored, the next run takes it back
        _bed.Feed().Withdraw("controller-2.4.1-r0", restore: true);
        await _bed.Feed().UpdateAsync(CancellationToken.None);
        Assert.Equal(["controller-2.4.0-r0.apk", "controller-2.4.1-r0.apk"], _bed.Listed("x86_64"));
    }

    [Fact]
    public async Task Should_refuse_to_withdraw_a_version_the_repository_does_not_list()
    {
        // Given a published controller
        _bed.Drop("controller", "2.4.0-r0");
        await _bed.Feed().UpdateAsync(CancellationToken.None);
        var before = _bed.RepositoryDigest();

        // When a version it does not list is withdrawn
        var error = Assert.Throws<InHouseSetupException>(() => _bed.Feed().Withdraw("controller-9.9-r0", restore: false));

        // Then the message lists what could be withdrawn, and nothing changed
        Assert.Equal("--package: expected a version the in-house repository lists (controller-2.4.0-r0), got 'controller-9.9-r0'", error.Message);
        Assert.Equal(before, _bed.RepositoryDigest());
    }

    [Fact]
    public async Task Should_show_in_a_plan_what_would_be_gained_and_lost_without_writing_anything()
    {
        // Given one published version and a newer one dropped, keep=1
        var options = _bed.Options with { Keep = 1 };
        _bed.Drop("controller", "2.4.0-r0");
        await _bed.Feed(options).UpdateAsync(CancellationToken.None);
        _bed.Drop("controller", "2.4.1-r0");
        var before = _bed.RepositoryDigest();

        // When the plan is made
        var plan = InHouseResult.From("plan", await _bed.Feed(options).PlanAsync(CancellationToken.None), published: false);

        // Then it names the gain and the loss for each arch, and the repository is untouched
        var x86 = plan.Archs.Single(a => a.Arch == "x86_64");
        Assert.Equal(["controller-2.4.1-r0"], x86.Added);
        Assert.Equal(["controller-2.4.0-r0"], x86.Removed);
        Assert.Equal(before, _bed.RepositoryDigest());
    }
}
