using AlpineMirror.Apk;
using AlpineMirror.Mirroring;
using AlpineMirror.Upstream;

namespace AlpineMirror.InHouse;

/// <summary>
/// The vendor's published APK repository (<c>--inhouse-upstream</c>), read with the engine that mirrors Alpine: the
/// signed index verified with the vendor's keys, every package downloaded into a temporary, verified against its
/// record while it streams (S:, C:, datahash) and renamed into place only then.
/// </summary>
internal sealed class VendorRepository(Uri baseUri, TrustedKeys vendorKeys, UpstreamClient client, UpstreamClientOptions clientOptions)
{
    // A vendor index of a few hundred packages is a few kilobytes; the cap stops a broken server.
    private const long MaxIndexBytes = 64 * 1024 * 1024;

    private readonly MirrorCounters _counters = new(0, 0);

    public Uri IndexUri(string arch) => Resolve($"{arch}/{RepositoryWriter.IndexFileName}");

    public Uri PackageUri(string arch, ApkIndexEntry entry) => Resolve($"{arch}/{entry.FileName}");

    /// <summary>The records of <paramref name="arch"/>'s index, its signature verified; each names a safe file.</summary>
    /// <exception cref="SignatureException">No trusted vendor signature verifies.</exception>
    /// <exception cref="InHouseException">A record names an unsafe file.</exception>
    public async Task<IReadOnlyList<ApkIndexEntry>> ReadIndexAsync(string arch, CancellationToken cancellationToken)
    {
        var uri = IndexUri(arch);
        var bytes = await client.GetBytesAsync(uri, MaxIndexBytes, cancellationToken);
        var index = ApkIndexReader.Read(bytes, uri.AbsoluteUri, vendorKeys);
        foreach (var entry in index.Entries)
        {
            PackageAdmission.RequireSafeIdentity(entry, uri.AbsoluteUri);
        }

        return index.Entries;
    }

    /// <summary>Downloads one package to <paramref name="target"/>, verified against <paramref name="entry"/> as it streams.</summary>
    public Task DownloadAsync(string arch, ApkIndexEntry entry, string target, CancellationToken cancellationToken)
    {
        var uri = PackageUri(arch, entry);
        // No package keys here: admission checks each package's own signature against the builders' keys afterwards.
        return new FileDownloader(client, clientOptions, _counters)
            .DownloadAsync(uri, target, entry.Size, [], () => new PackageStreamCheck(entry, uri.AbsoluteUri, packageKeys: null), cancellationToken);
    }

    private Uri Resolve(string relative) => new(new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/"), relative);
}
