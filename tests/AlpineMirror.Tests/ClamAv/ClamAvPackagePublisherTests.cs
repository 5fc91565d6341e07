using AlpineMirror.Apk;
using AlpineMirror.ClamAv;
using AlpineMirror.InHouse;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Tests.InHouse;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.ClamAv;

/// <summary>
/// The databases mirrored from the ClamAV stand-in (127.0.0.1) into a mirror root with a real in-house key, then
/// published as <c>--clamav-apk</c> through the in-house feed; read back as a station would, with the in-house public key.
/// </summary>
public sealed class ClamAvPackagePublisherTests : IDisposable
{
    private readonly InHouseTestBed _inHouse = new();

    public void Dispose() => _inHouse.Dispose();

    private ClamAvMirror Mirror(ClamAvOptions options) =>
        new(options, _inHouse.Mirror, new UpstreamClientOptions { Retries = 1, Timeout = TimeSpan.FromSeconds(20) });

    private ClamAvPackagePublisher Publisher(ClamAvOptions options, InHouseOptions? inHouse = null) =>
        new(options, _inHouse.Mirror, _inHouse.Feed(inHouse ?? _inHouse.Options with { Incoming = null }));

    private async Task<ClamAvPackageResult> UpdateAndPublishAsync(ClamAvOptions options, InHouseOptions? inHouse = null)
    {
        (await Mirror(options).UpdateAsync(CancellationToken.None)).ThrowIfFailed();
        return await Publisher(options, inHouse).PublishAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Should_publish_the_verified_databases_in_house_under_the_daily_version_and_nothing_when_nothing_changed()
    {
        // Given upstream with daily at version 6 and bytecode at 19, and --clamav-apk=clamav-db
        await using var clamav = await ClamAvTestBed.StartAsync(version: 6);
        var options = clamav.ServeAsDaily() with { Dns = false, Databases = ["daily", "bytecode"], Package = "clamav-db" };
        File.Copy(ClamAvFixtures.File("bytecode.cvd"), Path.Combine(clamav.UpstreamFolder, "bytecode.cvd"));

        // When the antivirus feed publishes, then the package is published
        var result = await UpdateAndPublishAsync(options);

        // Then every arch's index, read with the key the stations trust, lists clamav-db at daily's version first
        Assert.True(result.Published, result.Summary());
        Assert.Equal("6.19-r0", result.Version);
        foreach (var arch in InHouseTestBed.Archs)
        {
            Assert.Equal(["clamav-db-6.19-r0.apk"], _inHouse.Listed(arch));
        }

        // And the published package carries the in-house signature and both databases, byte for byte, where clamscan reads them
        var published = Path.Combine(_inHouse.Repository.ArchPath("x86_64"), "clamav-db-6.19-r0.apk");
        using (var stationKeys = TrustedKeys.Load(_inHouse.Repository.Path))
        {
            Assert.Equal("noarch", ApkPackageReader.ReadSignedIndexEntry(published, stationKeys).Arch);
        }

        var station = Directory.CreateTempSubdirectory("clamav-station-").FullName;
        try
        {
            ExternalCommand.Require("tar", ["-xzf", "-", "-C", station], RawGzipMembers.Split(File.ReadAllBytes(published))[2]);
            Assert.Equal(File.ReadAllBytes(ClamAvFixtures.File("test-6.cvd")), File.ReadAllBytes(Path.Combine(station, "var/lib/clamav/daily.cvd")));
            Assert.Equal(File.ReadAllBytes(ClamAvFixtures.File("bytecode.cvd")), File.ReadAllBytes(Path.Combine(station, "var/lib/clamav/bytecode.cvd")));
        }
        finally
        {
            Directory.Delete(station, recursive: true);
        }

        // When the next run finds nothing new upstream
        var before = _inHouse.RepositoryDigest();
        var second = await UpdateAndPublishAsync(options);

        // Then it publishes nothing, and the repository is unchanged file by file
        Assert.False(second.Published);
        Assert.Equal("6.19-r0", second.Version);
        Assert.Contains("already", second.Detail);
        Assert.Equal(before, _inHouse.RepositoryDigest());
    }

    [Fact]
    public async Task Should_publish_a_new_version_when_upstream_moves_and_keep_the_previous_one_listed()
    {
        // Given clamav-db published from test at version 5
        await using var clamav = await ClamAvTestBed.StartAsync(version: 5);
        var options = clamav.Options with { Package = "clamav-db" };
        await UpdateAndPublishAsync(options);

        // When upstream moves to 6 and the next run mirrors it
        clamav.UpstreamAt(6);
        var result = await UpdateAndPublishAsync(options);

        // Then the new version is published beside the old, newest by apk's version order
        Assert.True(result.Published, result.Summary());
        Assert.Equal(["clamav-db-5-r0.apk", "clamav-db-6-r0.apk"], _inHouse.Listed("aarch64"));
    }

    [Fact]
    public async Task Should_refuse_without_the_in_house_key_naming_the_option_and_leave_the_served_databases_alone()
    {
        // Given a mirrored database and no --inhouse-key
        await using var clamav = await ClamAvTestBed.StartAsync(version: 6);
        var options = clamav.Options with { Package = "clamav-db" };
        (await Mirror(options).UpdateAsync(CancellationToken.None)).ThrowIfFailed();
        var served = TreeDigest.Of(options.ServedPath(_inHouse.Mirror.Path));

        // When the package is published
        var error = await Assert.ThrowsAsync<InHouseSetupException>(() =>
            Publisher(options, _inHouse.Options with { Key = null, Incoming = null }).PublishAsync(CancellationToken.None));

        // Then the error names the option (exit code 2), nothing is published and the served folder is as it was
        Assert.Equal("--inhouse-key", error.Source);
        Assert.False(File.Exists(_inHouse.Repository.IndexPath("x86_64")));
        Assert.Equal(served, TreeDigest.Of(options.ServedPath(_inHouse.Mirror.Path)));
    }
}
