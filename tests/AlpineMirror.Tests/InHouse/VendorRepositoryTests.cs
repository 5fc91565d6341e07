using AlpineMirror.Apk;
using AlpineMirror.Build.Demo;
using AlpineMirror.InHouse;

namespace AlpineMirror.Tests.InHouse;

/// <summary>A vendor's APK repository served by Kestrel on 127.0.0.1, mirrored into the in-house repository.</summary>
public sealed class VendorRepositoryTests : IAsyncLifetime
{
    private readonly InHouseTestBed _bed = new();
    private readonly DirectoryInfo _vendor = Directory.CreateTempSubdirectory("inhouse-vendor-");
    private readonly SigningKey _vendorKey = SigningKey.Create("vendor@panoptiscan.example");
    private LocalUpstreamServer _server = null!;

    public async Task InitializeAsync()
    {
        _vendorKey.WritePublicKey(_bed.BuilderKeys);
        _server = new LocalUpstreamServer(_vendor.FullName, "/vendor");
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _vendorKey.Dispose();
        _vendor.Delete(recursive: true);
        _bed.Dispose();
    }

    private int PackageRequests => _server.RequestedPaths.Count(p => p.EndsWith(".apk", StringComparison.Ordinal));

    private int IndexRequests => _server.RequestedPaths.Count(p => p.EndsWith("APKINDEX.tar.gz", StringComparison.Ordinal));

    // As abuild lays a repository out: each arch folder holds its packages, the noarch ones too, and an index listing them under that arch.
    private void PublishVendor(Func<ApkIndexEntry, ApkIndexEntry>? lie = null)
    {
        foreach (var arch in InHouseTestBed.Archs)
        {
            var folder = Directory.CreateDirectory(Path.Combine(_vendor.FullName, arch)).FullName;
            var builder = new ApkPackageBuilder(_vendorKey);
            var entries = new List<ApkIndexEntry>
            {
                ApkPackageReader.ReadIndexEntry(builder.Build(InHouseTestBed.Spec("controller", "2.4.0-r0", arch)).WriteTo(folder)),
                ApkPackageReader.ReadIndexEntry(builder.Build(InHouseTestBed.Spec("station-config", "1.0-r0", "noarch")).WriteTo(folder)) with { Arch = arch },
            };
            if (arch == "x86_64")
            {
                var strace = Path.Combine(folder, "strace-5.17-r0.apk");
                File.Copy(Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk"), strace, overwrite: true);
                entries.Add(lie is null ? ApkPackageReader.ReadIndexEntry(strace) : lie(ApkPackageReader.ReadIndexEntry(strace)));
            }

            new RepositoryWriter(_vendorKey).WriteIndex(folder, entries, "vendor repository");
        }
    }

    private InHouseFeed Feed() => _bed.Feed(_bed.Options with { Incoming = null, Upstream = _server.BaseUri });

    [Fact]
    public async Task Should_mirror_a_signed_vendor_repository_fetching_only_what_it_does_not_hold()
    {
        // Given a vendor repository with an arch package per arch, a noarch package in both, and real strace for x86_64
        PublishVendor();

        // When it is mirrored twice
        var first = await Feed().UpdateAsync(CancellationToken.None);
        var requestsAfterFirst = (IndexRequests, PackageRequests);
        var second = await Feed().UpdateAsync(CancellationToken.None);

        // Then the in-house indexes list the vendor's packages, re-signed with the in-house key
        Assert.Equal(5, first.Added);
        Assert.Equal(["controller-2.4.0-r0.apk", "station-config-1.0-r0.apk", "strace-5.17-r0.apk"], _bed.Listed("x86_64"));
        Assert.Equal(["controller-2.4.0-r0.apk", "station-config-1.0-r0.apk"], _bed.Listed("aarch64"));
        Assert.Equal("panoptiscan.rsa.pub", _bed.ReadIndex("aarch64").SignedBy);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_vendor.FullName, "aarch64", "controller-2.4.0-r0.apk")),
            File.ReadAllBytes(Path.Combine(_bed.Repository.ArchPath("aarch64"), "controller-2.4.0-r0.apk")));

        // And the first run asked for two indexes and five packages, the second only for the two indexes
        Assert.Equal((2, 5), requestsAfterFirst);
        Assert.Equal((4, 5), (IndexRequests, PackageRequests));
        Assert.False(second.Published);
    }

    [Fact]
    public async Task Should_refuse_a_vendor_index_that_lies_about_a_size_and_publish_nothing()
    {
        // Given a vendor index whose strace record claims one byte more than the file has
        PublishVendor(entry => entry with { Size = entry.Size + 1 });

        // When it is mirrored
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => Feed().UpdateAsync(CancellationToken.None));

        // Then one line names the package URL and both sizes, and nothing is published
        Assert.Equal($"{_server.BaseUri}x86_64/strace-5.17-r0.apk: S: expected 521103, got 521102 (after 1 attempt)", error.Message);
        Assert.False(Directory.Exists(_bed.Repository.ArchPath("x86_64")));
        Assert.False(Directory.Exists(_bed.Repository.ArchPath("aarch64")));
    }
}
