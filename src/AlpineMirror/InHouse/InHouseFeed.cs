using System.Globalization;
using AlpineMirror.Apk;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.InHouse;

/// <summary>
/// The in-house feed: brings <c>[ALPINE]/&lt;name&gt;/</c> to what its sources (the drop folder, the vendor repository,
/// or another feed's packages) offer, every package verified before it enters, each arch's index signed with the
/// in-house key and published by one rename after the packages it lists. Holds the feed's own lock while it writes.
/// </summary>
/// <remarks>
/// Order of publication: new package files first (hard links from staging, each renamed into place), then each arch's
/// index by one rename, then the files no index lists any more. A station that reads an index therefore always finds
/// every file it names; an interrupted run leaves the previous index or the new one, and the next run cleans up.
/// </remarks>
public sealed class InHouseFeed
{
    private readonly MirrorRoot _root;
    private readonly InHouseOptions _options;
    private readonly IReadOnlyList<string> _archs;
    private readonly UpstreamClientOptions _clientOptions;
    private readonly InHouseRepository _repository;

    /// <param name="archs">The arches the mirror serves (<c>--arch</c>); each gets an index, noarch packages go in all.</param>
    /// <exception cref="InHouseSetupException">The repository name is unusable.</exception>
    public InHouseFeed(MirrorRoot root, InHouseOptions options, IReadOnlyList<string> archs, UpstreamClientOptions clientOptions)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(archs);
        ArgumentNullException.ThrowIfNull(clientOptions);
        _root = root;
        _options = options;
        _archs = archs;
        _clientOptions = clientOptions;
        _repository = new InHouseRepository(root, options.Name);
    }

    /// <summary>The key ceremony: creates the signing key pair and publishes the public key; returns its path.</summary>
    public string CreateKey()
    {
        using var feedLock = RunLock.AcquireFeed(_root, InHouseRepository.Feed);
        return InHouseKeyPair.Create(_root, _options);
    }

    /// <summary>What <see cref="UpdateAsync"/> would gain and lose, computed without writing: dropped files are verified where they are, vendor packages by their signed index.</summary>
    public async Task<InHousePlan> PlanAsync(CancellationToken cancellationToken)
    {
        using var key = InHouseKeyPair.Load(_root, _options);
        using var signers = Signers(key);
        using var own = OwnKey(key);
        var published = _repository.ReadPublished(_archs, own);
        var offered = new List<InHousePackage>();
        if (_options.Incoming is { } incoming)
        {
            offered.AddRange(new DropFolder(incoming).List().Select(file =>
                new InHousePackage(PackageAdmission.Admit(file.Path, file.Path, signers, _archs, file.FolderArch), file.Path, file.Path)));
        }

        using var client = new UpstreamClient(_clientOptions);
        offered.AddRange(await OfferedByVendorAsync(client, cancellationToken));
        return Plan(published, offered, WithdrawnPackages.Load(_repository));
    }

    /// <summary>Publishes what the drop folder and the vendor offer.</summary>
    /// <exception cref="InHouseException">A package failed verification, or two differ under one name and version; nothing was published.</exception>
    /// <exception cref="InHouseSetupException">The key or the drop folder is unusable.</exception>
    public async Task<InHouseResult> UpdateAsync(CancellationToken cancellationToken)
    {
        using var feedLock = RunLock.AcquireFeed(_root, InHouseRepository.Feed);
        using var key = InHouseKeyPair.Load(_root, _options);
        using var signers = Signers(key);
        var staging = _repository.ResetStaging();
        var offered = new List<InHousePackage>();
        if (_options.Incoming is { } incoming)
        {
            offered.AddRange(await StageAsync(new DropFolder(incoming).List(), staging, signers, cancellationToken));
        }

        using var client = new UpstreamClient(_clientOptions);
        offered.AddRange(await OfferedByVendorAsync(client, cancellationToken));
        return await PublishAsync("update", key, signers, offered, client, cancellationToken);
    }

    /// <summary>
    /// The entry point for another feed: publishes <paramref name="packages"/> (e.g. built with <see cref="ApkPackageBuilder"/>
    /// and signed with the in-house key or a trusted builder key) into the repository, verified like a dropped file.
    /// </summary>
    public async Task<InHouseResult> PublishAsync(IReadOnlyList<string> packages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packages);
        using var feedLock = RunLock.AcquireFeed(_root, InHouseRepository.Feed);
        using var key = InHouseKeyPair.Load(_root, _options);
        using var signers = Signers(key);
        var staging = _repository.ResetStaging();
        var offered = await StageAsync([.. packages.Select(path => new DroppedFile(Path.GetFullPath(path), null))], staging, signers, cancellationToken);
        return await PublishAsync("publish", key, signers, offered, client: null, cancellationToken);
    }

    /// <summary>The in-house signing key, for another feed that builds packages to hand to <see cref="PublishAsync(IReadOnlyList{string}, CancellationToken)"/>.</summary>
    /// <exception cref="InHouseSetupException">The key is missing, exposed or unusable.</exception>
    public SigningKey LoadKey() => InHouseKeyPair.Load(_root, _options);

    /// <summary>Whether every arch's published index (verified with the in-house key) lists <paramref name="name"/> at <paramref name="version"/>.</summary>
    /// <exception cref="InHouseSetupException">The key is missing, exposed or unusable.</exception>
    public bool Lists(string name, string version)
    {
        using var key = LoadKey();
        using var own = OwnKey(key);
        return _repository.ReadPublished(_archs, own).Values.All(entries => entries.Any(entry => entry.Name == name && entry.Version == version));
    }

    /// <summary>
    /// Withdraws <c>--package=&lt;name&gt;-&lt;version&gt;</c>: remembered first, then every index that lists it re-signed
    /// without it, then its files removed. With <paramref name="restore"/>, forgets the withdrawal instead, so the next run
    /// takes the version back from a source that still offers it.
    /// </summary>
    /// <exception cref="InHouseSetupException">No <c>--package</c>, or it names nothing listed (or, to restore, nothing withdrawn).</exception>
    public InHouseResult Withdraw(string? package, bool restore)
    {
        var id = package ?? throw new InHouseSetupException("--package", "the version to withdraw is required, as <name>-<version> (e.g. --package=controller-2.4.1-r0)");
        using var feedLock = RunLock.AcquireFeed(_root, InHouseRepository.Feed);
        using var key = InHouseKeyPair.Load(_root, _options);
        using var own = OwnKey(key);
        var withdrawn = WithdrawnPackages.Load(_repository);
        var published = _repository.ReadPublished(_archs, own);
        if (restore)
        {
            var record = withdrawn.Find(id) ?? throw new InHouseSetupException("--package",
                $"expected a withdrawn version to restore ({Listing(withdrawn.All.Select(p => p.Id))}), got '{id}'");
            withdrawn.Remove(record);
            return InHouseResult.From("restore", Plan(published, [], withdrawn), published: false);
        }

        var listed = published.Values.SelectMany(entries => entries).FirstOrDefault(entry => $"{entry.Name}-{entry.Version}" == id)
            ?? throw new InHouseSetupException("--package",
                $"expected a version the in-house repository lists ({Listing(published.Values.SelectMany(e => e).Select(e => $"{e.Name}-{e.Version}").Distinct())}), got '{id}'");

        // Remembered before any index changes: an interrupted withdrawal is finished by the next run, never undone by it.
        withdrawn.Add(new WithdrawnPackage(listed.Name, listed.Version, listed.Checksum, DateTimeOffset.UtcNow));
        var plan = Plan(published, [], withdrawn);
        Publish(plan, key);
        return InHouseResult.From("withdraw", plan, published: true);
    }

    private async Task<InHouseResult> PublishAsync(
        string action, SigningKey key, TrustedKeys signers, IReadOnlyList<InHousePackage> offered, UpstreamClient? client, CancellationToken cancellationToken)
    {
        using var own = OwnKey(key);
        var plan = Plan(_repository.ReadPublished(_archs, own), offered, WithdrawnPackages.Load(_repository));
        plan = await FetchVendorPackagesAsync(plan, client, signers, cancellationToken);
        // A cancelled run publishes nothing it was told to abandon.
        cancellationToken.ThrowIfCancellationRequested();
        Publish(plan, key);
        _repository.ResetStaging();
        return InHouseResult.From(action, plan, plan.HasChanges);
    }

    private void Publish(InHousePlan plan, SigningKey key)
    {
        _repository.PublishPublicKey(key);
        foreach (var arch in plan.Archs)
        {
            foreach (var package in arch.Added)
            {
                _repository.PlacePackage(package.File!, arch.Arch, package.Entry.FileName);
            }
        }

        var description = _options.Description
            ?? $"{_options.Name} {DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";
        foreach (var arch in plan.Archs.Where(arch => arch.HasChanges))
        {
            _repository.WriteIndex(arch.Arch, arch.Listed.Select(p => p.Entry), key, _options.Signature, description);
        }

        // Only now that every index is in place: no station can still be told to fetch these.
        foreach (var arch in plan.Archs)
        {
            _repository.RemoveUnlisted(arch.Arch, [.. arch.Listed.Select(p => p.Entry)]);
        }
    }

    private InHousePlan Plan(
        IReadOnlyDictionary<string, IReadOnlyList<ApkIndexEntry>> published, IReadOnlyList<InHousePackage> offered, WithdrawnPackages withdrawn) =>
        InHousePlan.Create(_options.Name, _archs, published, offered, withdrawn.Contains, _options.Keep,
            arch => File.Exists(_repository.IndexPath(arch)));

    // Copied before they are verified, so what was verified is exactly what gets published, whatever the drop folder does meanwhile.
    private async Task<List<InHousePackage>> StageAsync(
        IReadOnlyList<DroppedFile> files, string staging, TrustedKeys signers, CancellationToken cancellationToken)
    {
        var staged = new List<InHousePackage>(files.Count);
        foreach (var file in files)
        {
            var copy = Path.Combine(staging, $"incoming-{staged.Count.ToString(CultureInfo.InvariantCulture)}.apk");
            await AtomicFile.WriteAsync(copy, async (stream, token) =>
            {
                await using var source = File.OpenRead(file.Path);
                await source.CopyToAsync(stream, token);
            }, cancellationToken);
            staged.Add(new InHousePackage(PackageAdmission.Admit(copy, file.Path, signers, _archs, file.FolderArch), file.Path, copy));
        }

        return staged;
    }

    // The vendor's records, one per arch it lists them in; only the ones the plan adds are downloaded.
    private async Task<List<InHousePackage>> OfferedByVendorAsync(UpstreamClient client, CancellationToken cancellationToken)
    {
        var offered = new List<InHousePackage>();
        if (_options.Upstream is not { } upstream)
        {
            return offered;
        }

        using var vendorKeys = VendorKeys();
        var vendor = new VendorRepository(upstream, vendorKeys, client, _clientOptions);
        foreach (var arch in _archs)
        {
            foreach (var entry in await vendor.ReadIndexAsync(arch, cancellationToken))
            {
                offered.Add(new InHousePackage(entry with { Arch = arch }, vendor.PackageUri(arch, entry).AbsoluteUri, null));
            }
        }

        return offered;
    }

    private async Task<InHousePlan> FetchVendorPackagesAsync(InHousePlan plan, UpstreamClient? client, TrustedKeys signers, CancellationToken cancellationToken)
    {
        if (client is null || _options.Upstream is not { } upstream || plan.Archs.All(arch => arch.Added.All(p => p.File is not null)))
        {
            return plan;
        }

        using var vendorKeys = VendorKeys();
        var vendor = new VendorRepository(upstream, vendorKeys, client, _clientOptions);
        var fetched = new Dictionary<InHousePackage, InHousePackage>();
        foreach (var arch in plan.Archs)
        {
            var folder = Directory.CreateDirectory(Path.Combine(_repository.StagingDirectory, arch.Arch)).FullName;
            foreach (var package in arch.Added.Where(p => p.File is null))
            {
                var target = Path.Combine(folder, package.Entry.FileName);
                await vendor.DownloadAsync(arch.Arch, package.Entry, target, cancellationToken);
                // The index vouched for the bytes; the package's own signature and fields must pass too.
                var admitted = PackageAdmission.Admit(target, package.Source, signers, _archs, arch.Arch);
                // Listed with the record apk index writes from the package itself, not the vendor's copy of it.
                fetched[package] = package with { Entry = admitted with { Arch = arch.Arch }, File = target };
            }
        }

        return plan with
        {
            Archs = [.. plan.Archs.Select(arch => arch with
            {
                Added = [.. arch.Added.Select(p => fetched.GetValueOrDefault(p, p))],
                Listed = [.. arch.Listed.Select(p => fetched.GetValueOrDefault(p, p))],
            })],
        };
    }

    // Packages may be signed by a builder or vendor key, or by the in-house key itself (another feed's packages).
    private TrustedKeys Signers(SigningKey key) => TrustedKeys.With(_options.Keys, key.KeyName, key.ExportPublicKeyPem());

    private static TrustedKeys OwnKey(SigningKey key) => TrustedKeys.With(null, key.KeyName, key.ExportPublicKeyPem());

    private TrustedKeys VendorKeys() =>
        TrustedKeys.Load(_options.Keys ?? throw new InHouseSetupException("--inhouse-keys", "the vendor's public keys are required with --inhouse-upstream"));

    private static string Listing(IEnumerable<string> ids) =>
        ids.ToList() is { Count: > 0 } list ? string.Join(", ", list.Order(StringComparer.Ordinal)) : "none";
}
