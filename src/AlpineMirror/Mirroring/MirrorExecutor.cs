using System.Net;
using System.Security.Cryptography;
using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>
/// The Mirror step: brings a staging folder (a hard-link clone of the previous snapshot) to exactly what a
/// <see cref="MirrorPlan"/> lists, downloading in parallel what staging lacks or holds wrong, writing the upstream
/// indexes last and removing what no index lists. Writes nothing outside staging.
/// </summary>
/// <remarks>
/// Content decides, not the plan: a file staging holds at the right size is hashed against its index entry (or
/// latest-releases.yaml) and kept only if it verifies; everything else is downloaded, verified while it streams and
/// renamed into place. The one exception, in <see cref="VerifyMode.Changed"/>: a file that is still the very file (same
/// inode) of a previous snapshot AlpineMirror verified, and listed unchanged, is kept on its size alone. The first failure cancels the remaining work and is rethrown; the temporaries of every
/// interrupted download are removed.
/// </remarks>
/// <param name="client">The shared client; its retries cover each request up to the response headers.</param>
/// <param name="clientOptions">
/// The options <paramref name="client"/> was made with: the same retry budget and timeout then govern bodies cut short
/// or stalled, and wrong bytes.
/// </param>
public sealed class MirrorExecutor(UpstreamClient client, UpstreamClientOptions clientOptions)
{
    // Temporaries start with a dot; the default enumeration options skip hidden entries.
    private static readonly EnumerationOptions IncludeHidden = new() { AttributesToSkip = 0 };

    /// <summary>Executes <paramref name="plan"/> into <paramref name="stagingPath"/>, hashing every file staging already holds.</summary>
    /// <inheritdoc cref="ExecuteAsync(MirrorPlan, UpstreamLayout, string, VerifiedSnapshot?, MirrorSettings, IProgress{MirrorProgress}?, CancellationToken)"/>
    public Task<MirrorResult> ExecuteAsync(
        MirrorPlan plan,
        UpstreamLayout layout,
        string stagingPath,
        MirrorSettings settings,
        IProgress<MirrorProgress>? progress,
        CancellationToken cancellationToken) =>
        ExecuteAsync(plan, layout, stagingPath, null, settings, progress, cancellationToken);

    /// <summary>Executes <paramref name="plan"/> into <paramref name="stagingPath"/>.</summary>
    /// <param name="previous">
    /// The plan's previous snapshot when AlpineMirror verified it (<see cref="VerifiedSnapshot.Find"/>): in
    /// <see cref="VerifyMode.Changed"/>, a staged package or image that is still its very file and is listed unchanged is
    /// kept on a size check alone (see <see cref="UnchangedFiles"/>); null hashes every staged file.
    /// </param>
    /// <param name="progress">Receives a snapshot about four times a second and once at the end.</param>
    /// <exception cref="ApkFormatException">A package file name in the plan is not a plain file name; nothing was requested.</exception>
    /// <exception cref="ReleaseFormatException">A release file name is unsafe, or the netboot tarball is malformed or unsafe.</exception>
    /// <exception cref="ChecksumMismatchException">A file arrived wrong on every attempt, or a checksum file disagrees with latest-releases.yaml.</exception>
    /// <exception cref="UpstreamException">A file could not be fetched, even after retries.</exception>
    /// <exception cref="MirrorException">Staging is missing or could not be written (a full disk).</exception>
    /// <exception cref="StorageException">A verified file could not be renamed into place.</exception>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public async Task<MirrorResult> ExecuteAsync(
        MirrorPlan plan,
        UpstreamLayout layout,
        string stagingPath,
        VerifiedSnapshot? previous,
        MirrorSettings settings,
        IProgress<MirrorProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentException.ThrowIfNullOrEmpty(stagingPath);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Parallel < 1)
        {
            throw new ConfigurationException("parallel", $"expected 1 or more downloads at once, got {settings.Parallel}");
        }

        var staging = Path.GetFullPath(stagingPath);
        if (new DirectoryInfo(staging) is not { Exists: true, LinkTarget: null })
        {
            throw new MirrorException(staging, "staging: expected the folder the Snapshot step made, found none");
        }

        // Every name is checked before the first request, so an unsafe plan fetches nothing.
        RequireSafeNames(plan);
        // For .asc files only: upstream answers 404 for images it did not sign, and the shared client retries 404.
        using var notFoundIsFinal = new UpstreamClient(clientOptions with { Retries = 0 });
        var run = new Run(plan, layout, staging, client, notFoundIsFinal, clientOptions, UnchangedFiles.Of(plan, previous, settings.Mode),
            settings.ReleaseKeys, settings.PackageKeys);
        run.PrepareFolders();

        var timer = progress is null
            ? null
            : new Timer(_ => progress.Report(run.Counters.Progress()), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        try
        {
            await DownloadWorkers.RunAsync(run.Work(), settings.Parallel, run.RoundTrip, cancellationToken);
            foreach (var release in plan.Releases)
            {
                run.UnpackNetboot(release, cancellationToken);
            }

            // Indexes last: a reader of staging never sees an index listing a package that is not there yet.
            foreach (var repository in plan.Repositories)
            {
                await run.WriteIfChangedAsync(UpstreamLayout.IndexPath(repository.Repo, repository.Arch), repository.Index, cancellationToken);
            }

            foreach (var release in plan.Releases)
            {
                await run.WriteIfChangedAsync(UpstreamLayout.LatestReleasesPath(release.Arch), release.LatestReleases, cancellationToken);
            }

            run.RemoveUnlisted();
        }
        finally
        {
            if (timer is not null)
            {
                await timer.DisposeAsync();
            }
        }

        progress?.Report(run.Counters.Progress());
        return run.Counters.Result() with { Downloads = run.Downloads };
    }

    private static void RequireSafeNames(MirrorPlan plan)
    {
        foreach (var repository in plan.Repositories)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var package in repository.Packages)
            {
                // Throws ApkFormatException for "../x", "a/b" and control characters.
                UpstreamLayout.PackagePath(repository.Repo, repository.Arch, package.FileName);
                if (!names.Add(package.FileName))
                {
                    throw new ApkFormatException(UpstreamLayout.IndexPath(repository.Repo, repository.Arch),
                        $"package file name: expected each file once, got {package.FileName} twice");
                }
            }
        }

        foreach (var release in plan.Releases)
        {
            UpstreamLayout.ReleaseFilePath(release.Arch, release.NetbootDirectory);
            foreach (var image in release.Images)
            {
                UpstreamLayout.ReleaseFilePath(release.Arch, image.File);
            }

            if (release.NetbootImage is { } netboot && release.Images.All(image => image.File != netboot))
            {
                throw new ReleaseFormatException(UpstreamLayout.LatestReleasesPath(release.Arch),
                    $"netboot image: expected one of the listed images, got '{UpstreamLayout.Printable(netboot)}'");
            }
        }
    }

    /// <summary>The state of one execution: where things go, what is left over, what was done.</summary>
    private sealed class Run
    {
        private readonly MirrorPlan _plan;
        private readonly UpstreamLayout _layout;
        private readonly string _staging;
        private readonly UpstreamClient _client;
        private readonly UpstreamClient _notFoundIsFinal;
        private readonly UpstreamClientOptions _clientOptions;
        private readonly FileDownloader _downloader;
        private readonly UnchangedFiles _unchanged;
        private readonly ExpectedTree _tree;
        private readonly ReleaseSigningKeys? _releaseKeys;
        private readonly TrustedKeys? _packageKeys;
        private readonly HashSet<string> _plannedFetches = new(StringComparer.Ordinal);
        private Dictionary<string, List<string>> _leftovers = new(StringComparer.Ordinal);

        // What the folders held before any download: staging is this run's alone (the lock), so a name missing here
        // needs no statx(2) to learn that it is missing.
        private readonly HashSet<string> _present = new(StringComparer.Ordinal);

        public Run(MirrorPlan plan, UpstreamLayout layout, string staging, UpstreamClient client, UpstreamClient notFoundIsFinal,
            UpstreamClientOptions clientOptions, UnchangedFiles unchanged, ReleaseSigningKeys? releaseKeys,
            TrustedKeys? packageKeys)
        {
            _packageKeys = packageKeys;
            _unchanged = unchanged;
            _tree = PlannedTree.Of(plan);
            _releaseKeys = releaseKeys;
            _plan = plan;
            _layout = layout;
            _staging = staging;
            _client = client;
            _notFoundIsFinal = notFoundIsFinal;
            _clientOptions = clientOptions;
            foreach (var repository in plan.Repositories)
            {
                foreach (var package in repository.ToFetch)
                {
                    _plannedFetches.Add(UpstreamLayout.PackagePath(repository.Repo, repository.Arch, package.FileName));
                }
            }

            foreach (var release in plan.Releases)
            {
                foreach (var file in release.ToFetch.Where(f => f.Size is not null))
                {
                    _plannedFetches.Add(UpstreamLayout.ReleaseFilePath(release.Arch, file.Name));
                }
            }

            var files = plan.Repositories.Sum(r => r.Packages.Count)
                + plan.Releases.Sum(r => r.Images.Count * (1 + ReleaseImage.CompanionSuffixes.Count));
            Counters = new MirrorCounters(files, plan.DownloadBytes);
            _downloader = new FileDownloader(client, clientOptions, Counters, RoundTrip);
        }

        public MirrorCounters Counters { get; }

        /// <summary>The files downloaded and verified in this run, for Verify.</summary>
        public MirroredFiles Downloads { get; } = new();

        /// <summary>Upstream's round trip as the downloads measure it; more of them run at once when it is long.</summary>
        public RoundTrip RoundTrip { get; } = new();

        private IEnumerable<string> Folders =>
            _plan.Repositories.Select(r => UpstreamLayout.RepositoryPath(r.Repo, r.Arch))
                .Concat(_plan.Releases.Select(r => UpstreamLayout.ReleasesPath(r.Arch)));

        /// <summary>
        /// Creates the repository and release folders, notes what they hold and finds the temporaries an interrupted run
        /// left in them.
        /// </summary>
        public void PrepareFolders()
        {
            var leftovers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var relative in Folders)
            {
                var folder = RealFolder(relative);
                // One listing per folder: looking up leftovers per file would list a 10,000-file folder 10,000 times.
                foreach (var path in Directory.EnumerateFileSystemEntries(folder, "*", IncludeHidden))
                {
                    if (!AtomicFile.IsTemporary(path))
                    {
                        _present.Add(path);
                        continue;
                    }

                    var target = Path.Combine(folder, TargetNameOf(Path.GetFileName(path)));
                    if (!leftovers.TryGetValue(target, out var list))
                    {
                        leftovers[target] = list = [];
                    }

                    list.Add(path);
                }
            }

            _leftovers = leftovers;
        }

        /// <summary>One item per release image (with its checksum files) and per package; images first, they are the largest.</summary>
        public IReadOnlyList<Func<CancellationToken, Task>> Work() =>
        [
            .. _plan.Releases.SelectMany(release => release.Images.Select(image =>
                (Func<CancellationToken, Task>)(token => MirrorImageAsync(release, image, token)))),
            .. _plan.Repositories.SelectMany(repository => repository.Packages.Select(package =>
                (Func<CancellationToken, Task>)(token => MirrorPackageAsync(repository, package, token)))),
        ];

        public async Task WriteIfChangedAsync(string relative, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            var target = Path.Combine(_staging, relative);
            if (StagedFile.HasSize(target, bytes.Length) && bytes.Span.SequenceEqual(File.ReadAllBytes(target)))
            {
                // Keeping the file keeps its hard link with the previous snapshot: no new data bytes.
                return;
            }

            await WriteAtomicallyAsync(target, bytes, cancellationToken);
        }

        public void UnpackNetboot(ReleasePlan release, CancellationToken cancellationToken)
        {
            if (release.NetbootImage is not { } image)
            {
                return;
            }

            var releases = Path.Combine(_staging, UpstreamLayout.ReleasesPath(release.Arch));
            var tarball = Path.Combine(releases, image);
            var directory = Path.Combine(releases, release.NetbootDirectory);
            var display = UpstreamLayout.ReleaseFilePath(release.Arch, release.NetbootDirectory);
            // The previous snapshot's folder was compared with this very tarball before it was published.
            var tarballImage = release.Images.First(i => i.File == image);
            var unchanged = _unchanged.Holds(tarballImage, _staging, UpstreamLayout.ReleaseFilePath(release.Arch, image))
                && _unchanged.HoldsTree(_staging, display);
            if (!unchanged && NetbootTarball.Differences(tarball, directory, display, 1, cancellationToken).Count > 0)
            {
                var unpacked = AtomicFile.TemporaryPathFor(directory);
                try
                {
                    NetbootTarball.Extract(tarball, unpacked, cancellationToken);
                    Io(directory, "replace", () =>
                    {
                        RemoveEntry(directory);
                        Directory.Move(unpacked, directory);
                    });
                }
                finally
                {
                    Io(unpacked, "remove", () => RemoveEntry(unpacked));
                }
            }

            AtomicSymlink.Replace(Path.Combine(releases, ReleasePlan.NetbootLinkName), release.NetbootDirectory);
        }

        /// <summary>
        /// Removes from staging every entry the plan does not list, at any depth (DESIGN.md invariant 8): packages no
        /// index lists, old release files, and whatever the previous snapshot or an interrupted run held besides.
        /// </summary>
        public void RemoveUnlisted()
        {
            var removed = 0;
            var pending = new Stack<string>([""]);
            while (pending.TryPop(out var relativeFolder))
            {
                var folder = Path.Combine(_staging, relativeFolder);
                foreach (var (name, expected, _) in FolderListing.UnlistedOrFolders(folder, relativeFolder, _tree).ToList())
                {
                    var path = Path.Combine(folder, name);
                    if (expected is null)
                    {
                        // Unlinks staging's name only: a published snapshot keeps its own hard link, a symlink's target stays.
                        Io(path, "remove", () => RemoveEntry(path));
                        removed++;
                    }
                    else if (expected == ExpectedEntry.Folder && new DirectoryInfo(path).LinkTarget is null)
                    {
                        pending.Push(FolderListing.Child(relativeFolder, name));
                    }
                }
            }

            Counters.Removed(removed);
        }

        private async Task MirrorPackageAsync(RepositoryPlan repository, ApkIndexEntry package, CancellationToken cancellationToken)
        {
            var relative = UpstreamLayout.PackagePath(repository.Repo, repository.Arch, package.FileName);
            if (KeptUnchanged(_unchanged.Holds(package, _staging, relative)))
            {
                return;
            }

            var uri = _layout.PackageUri(repository.Repo, repository.Arch, package.FileName);
            await MirrorVerifiedAsync(package, relative, uri, package.Size, source => new PackageStreamCheck(package, source, _packageKeys), cancellationToken);
        }

        // The signature first: with release keys, the image is verified against it while it streams.
        private async Task MirrorImageAsync(ReleasePlan release, ReleaseImage image, CancellationToken cancellationToken)
        {
            var relative = UpstreamLayout.ReleaseFilePath(release.Arch, image.File);
            var signature = await MirrorSignatureAsync(release, image, cancellationToken);
            Counters.FileSettled();
            if (_releaseKeys is not null && signature is null)
            {
                throw new ReleaseSignatureException(_layout.ReleaseFileUri(release.Arch, image.File).AbsoluteUri,
                    $"OpenPGP signature: expected {image.File}{ReleaseFile.SignatureSuffix} by a release key, upstream has none");
            }

            if (!KeptUnchanged(_unchanged.Holds(image, _staging, relative)))
            {
                var uri = _layout.ReleaseFileUri(release.Arch, image.File);
                await MirrorVerifiedAsync(image, relative, uri, image.Size,
                    source => new ReleaseImageStreamCheck(source, image.Size, image.Sha256,
                        _releaseKeys is null ? null : signature!.Check(_releaseKeys, source)), cancellationToken);
            }

            foreach (var suffix in ReleaseImage.CompanionSuffixes.Where(suffix => suffix != ReleaseFile.SignatureSuffix))
            {
                await MirrorChecksumFileAsync(release, image, suffix, cancellationToken);
                Counters.FileSettled();
            }
        }

        // Still the verified previous snapshot's file, listed unchanged: Verify decides how closely to look again.
        private bool KeptUnchanged(bool unchanged)
        {
            if (unchanged)
            {
                Counters.FileUnchanged();
                Counters.FileSettled();
            }

            return unchanged;
        }

        // Keeps a staged file that verifies; otherwise downloads it, verified as it streams against entry, and records it.
        private async Task MirrorVerifiedAsync(
            object entry, string relative, Uri uri, long size, Func<string, IStreamCheck> newCheck, CancellationToken cancellationToken)
        {
            var target = Path.Combine(_staging, relative);
            var planned = _plannedFetches.Contains(relative);
            if (_present.Contains(target) && StagedFile.HasSize(target, size) && Intact(target, newCheck(relative), cancellationToken))
            {
                Counters.FileReused();
                if (planned)
                {
                    Counters.ExpectBytes(-size);
                }
            }
            else
            {
                if (!planned)
                {
                    Counters.ExpectBytes(size);
                }

                if (await _downloader.DownloadAsync(uri, target, size, _leftovers.GetValueOrDefault(target) ?? [],
                        () => newCheck(uri.AbsoluteUri), cancellationToken) is { } placed)
                {
                    Downloads.Add(entry, target, placed);
                }
            }

            Counters.FileSettled();
        }

        private async Task MirrorChecksumFileAsync(ReleasePlan release, ReleaseImage image, string suffix, CancellationToken cancellationToken)
        {
            var name = image.File + suffix;
            var relative = UpstreamLayout.ReleaseFilePath(release.Arch, name);
            var target = Path.Combine(_staging, relative);
            var field = suffix.TrimStart('.');
            // Older generators wrote no sha512 into the YAML: the image itself, verified by its sha256, then decides.
            var expected = field == "sha256"
                ? image.Sha256
                : image.Sha512 ?? StagedFile.Hash(Path.Combine(_staging, UpstreamLayout.ReleaseFilePath(release.Arch, image.File)), HashAlgorithmName.SHA512, cancellationToken);

            if (new FileInfo(target) is { Exists: true, LinkTarget: null, Length: <= ChecksumFile.MaxLength })
            {
                try
                {
                    ChecksumFile.Check(await File.ReadAllBytesAsync(target, cancellationToken), relative, field, expected, image.File);
                    Counters.FileReused();
                    return;
                }
                catch (Exception e) when (e is ChecksumMismatchException or ReleaseFormatException)
                {
                    // Replaced by upstream's copy below.
                }
            }

            var uri = _layout.ReleaseFileUri(release.Arch, name);
            for (var attempt = 1; ; attempt++)
            {
                var bytes = await _client.GetBytesAsync(uri, ChecksumFile.MaxLength, cancellationToken);
                Counters.BytesReceived(bytes.Length);
                try
                {
                    ChecksumFile.Check(bytes, uri.AbsoluteUri, field, expected, image.File);
                }
                catch (Exception e) when ((e is ChecksumMismatchException or ReleaseFormatException) && attempt <= _clientOptions.Retries)
                {
                    Counters.Retried();
                    continue;
                }

                await WriteAtomicallyAsync(target, bytes, cancellationToken);
                Counters.FileDownloaded();
                return;
            }
        }

        // Upstream publishes .asc files for most images but not all: a 404 is an answer (null), not a failure to retry.
        // Whatever is kept or written is an OpenPGP signature; anything else (an HTML page, "<script>") never is.
        private async Task<ReleaseSignature?> MirrorSignatureAsync(ReleasePlan release, ReleaseImage image, CancellationToken cancellationToken)
        {
            var name = image.File + ReleaseFile.SignatureSuffix;
            var relative = UpstreamLayout.ReleaseFilePath(release.Arch, name);
            var target = Path.Combine(_staging, relative);
            if (new FileInfo(target) is { Exists: true, LinkTarget: null, Length: > 0 and <= ReleaseSignature.MaxBytes })
            {
                try
                {
                    var kept = ReleaseSignature.Parse(await File.ReadAllBytesAsync(target, cancellationToken), relative);
                    Counters.FileReused();
                    return kept;
                }
                catch (ReleaseSignatureException)
                {
                    // Replaced by upstream's copy below.
                }
            }

            var uri = _layout.ReleaseFileUri(release.Arch, name);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var bytes = await _notFoundIsFinal.GetBytesAsync(uri, ReleaseSignature.MaxBytes, cancellationToken);
                    Counters.BytesReceived(bytes.Length);
                    var signature = ReleaseSignature.Parse(bytes, uri.AbsoluteUri);
                    await WriteAtomicallyAsync(target, bytes, cancellationToken);
                    Counters.FileDownloaded();
                    return signature;
                }
                catch (UpstreamException e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }
                catch (Exception e) when (e is UpstreamException or ReleaseSignatureException && attempt <= _clientOptions.Retries)
                {
                    Counters.Retried();
                    await Task.Delay(_clientOptions.BaseDelay * attempt, cancellationToken);
                }
                catch (UpstreamException e)
                {
                    throw new UpstreamException(uri, e.Failure, attempt, e.StatusCode, e);
                }
            }
        }

        private bool Intact(string path, IStreamCheck check, CancellationToken cancellationToken)
        {
            using (check)
            {
                try
                {
                    Counters.BytesChecked(StagedFile.Check(path, check, cancellationToken));
                    return true;
                }
                catch (Exception e) when (e is ChecksumMismatchException or ApkFormatException or SignatureException)
                {
                    return false;
                }
                catch (IOException e)
                {
                    throw new MirrorException(path, $"read: {e.Message}", e);
                }
            }
        }

        // Creates the folder inside staging, refusing a symlink on the way that could lead writes out of staging.
        private string RealFolder(string relative)
        {
            var path = _staging;
            foreach (var segment in relative.Split('/'))
            {
                path = Path.Combine(path, segment);
                var folder = new DirectoryInfo(path);
                if (folder.LinkTarget is not null || File.Exists(path))
                {
                    throw new MirrorException(path, $"expected a real folder inside staging, found {(folder.LinkTarget is null ? "a file" : $"a symlink to '{folder.LinkTarget}'")}");
                }

                Io(path, "create folder", folder.Create);
            }

            return path;
        }

        // AtomicFile passes the write's own errors through; a full disk must still be a typed, one-line failure.
        private static async Task WriteAtomicallyAsync(string target, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            try
            {
                await AtomicFile.WriteAllBytesAsync(target, bytes, cancellationToken);
            }
            catch (IOException e)
            {
                throw new MirrorException(target, $"write: {e.Message}", e);
            }
        }

        private static void Io(string path, string what, Action operation)
        {
            try
            {
                operation();
            }
            catch (IOException e)
            {
                throw new MirrorException(path, $"{what}: {e.Message}", e);
            }
        }

        // ".<name>.<8 hex>.partial" -> "<name>"; only called for names AtomicFile.IsTemporary accepts.
        private static string TargetNameOf(string temporaryName) => temporaryName[1..^".01234567.partial".Length];

        private static void RemoveEntry(string path)
        {
            var entry = new FileInfo(path);
            if (entry.LinkTarget is null && Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (entry.LinkTarget is not null || entry.Exists)
            {
                entry.Delete();
            }
        }
    }
}
