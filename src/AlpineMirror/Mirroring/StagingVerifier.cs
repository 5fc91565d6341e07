using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Planning;
using AlpineMirror.Storage;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>
/// The Verify step: proves a staging folder holds exactly what the plan lists before it may be published, and fails
/// closed (DESIGN.md §3, §4.1, §4.6). Reads only; packages and images are hashed in parallel over the cores: all of
/// them, or in <see cref="VerifyMode.Changed"/> all but those still shared with a verified previous snapshot and listed
/// unchanged (see <see cref="UnchangedFiles"/>) and those this run's Mirror step downloaded and verified that are still
/// the very same files (see <see cref="MirroredFiles"/>).
/// </summary>
public static class StagingVerifier
{
    /// <summary>Checks <paramref name="stagingPath"/> against <paramref name="plan"/>, hashing every package and image.</summary>
    /// <inheritdoc cref="Verify(MirrorPlan, string, VerifiedSnapshot?, VerifySettings, CancellationToken)"/>
    public static VerificationReport Verify(MirrorPlan plan, string stagingPath, VerifySettings settings, CancellationToken cancellationToken = default) =>
        Verify(plan, stagingPath, null, settings, cancellationToken);

    /// <summary>Checks <paramref name="stagingPath"/> against <paramref name="plan"/>.</summary>
    /// <param name="previous">
    /// The plan's previous snapshot when AlpineMirror verified it (<see cref="VerifiedSnapshot.Find"/>); null, or a
    /// snapshot the history does not record, makes <see cref="VerifyMode.Changed"/> hash everything, as Full does.
    /// </param>
    /// <exception cref="WipeGuardException">The plan drops more than <see cref="VerifySettings.MaxRemovedShare"/> of the previous snapshot's packages and <see cref="VerifySettings.Force"/> is off.</exception>
    /// <exception cref="VerificationException">
    /// A listed file is missing or differs (size, <c>C:</c>, <c>datahash</c>, sha256, checksum files, netboot), an index
    /// differs from the plan's bytes, or a temporary or unlisted file is present; the first ten are named.
    /// </exception>
    /// <exception cref="ConfigurationException">The allowed share is not between 0 and 1.</exception>
    public static VerificationReport Verify(
        MirrorPlan plan, string stagingPath, VerifiedSnapshot? previous, VerifySettings settings, CancellationToken cancellationToken = default) =>
        Verify(plan, stagingPath, previous, null, settings, cancellationToken);

    /// <summary>Checks <paramref name="stagingPath"/> against <paramref name="plan"/>.</summary>
    /// <inheritdoc cref="Verify(MirrorPlan, string, VerifiedSnapshot?, VerifySettings, CancellationToken)"/>
    /// <param name="mirrored">
    /// What this run's Mirror step downloaded and verified into this staging folder (<see cref="MirrorResult.Downloads"/>):
    /// in <see cref="VerifyMode.Changed"/>, such a file that is still the very same file is not hashed again; null, or
    /// <see cref="VerifyMode.Full"/>, hashes them all.
    /// </param>
    public static VerificationReport Verify(
        MirrorPlan plan, string stagingPath, VerifiedSnapshot? previous, MirroredFiles? mirrored, VerifySettings settings,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(stagingPath);
        ArgumentNullException.ThrowIfNull(settings);
        if (double.IsNaN(settings.MaxRemovedShare) || settings.MaxRemovedShare is < 0 or > 1)
        {
            throw new ConfigurationException("max removed share", string.Create(CultureInfo.InvariantCulture,
                $"expected a share between 0 and 1, got {settings.MaxRemovedShare}"));
        }

        var clock = Stopwatch.StartNew();
        var removed = plan.Repositories.Sum(r => r.Removed.Count);
        var previousPackages = plan.Repositories.Sum(r => r.Unchanged + r.Updated.Count + r.Removed.Count);
        if (!settings.Force && removed > settings.MaxRemovedShare * previousPackages)
        {
            throw new WipeGuardException(plan.Snapshot, removed, previousPackages, settings.MaxRemovedShare);
        }

        var staging = Path.GetFullPath(stagingPath);
        if (new DirectoryInfo(staging) is not { Exists: true, LinkTarget: null })
        {
            throw new VerificationException(staging, ["staging folder: missing, expected the folder the Mirror step filled"]);
        }

        var unchanged = UnchangedFiles.Of(plan, previous, settings.Mode);
        var downloaded = settings.Mode == VerifyMode.Full ? MirroredFiles.None : mirrored ?? MirroredFiles.None;
        var run = new Check(staging, unchanged, downloaded, settings.ReleaseKeys, settings.PackageKeys, cancellationToken);
        run.Repositories(plan.Repositories);
        run.Releases(plan.Releases);
        run.HashAll();
        run.Netboot(plan.Releases);
        run.Unlisted(PlannedTree.Of(plan));

        var problems = run.Problems.Order(StringComparer.Ordinal).ToList();
        if (problems.Count > 0)
        {
            throw new VerificationException(staging, problems);
        }

        return new VerificationReport(run.PackageCount, run.ReleaseFileCount, run.BytesHashed, removed, previousPackages, clock.Elapsed,
            run.UnchangedCount, unchanged.Mode) { MirroredFiles = run.MirroredCount };
    }

    /// <summary>One verification: the files to hash, the problems found.</summary>
    private sealed class Check(
        string staging, UnchangedFiles unchanged, MirroredFiles mirrored, ReleaseSigningKeys? releaseKeys, TrustedKeys? packageKeys, CancellationToken cancellationToken)
    {
        private readonly List<(string Relative, object Entry, long Size, Func<IStreamCheck> NewCheck, Func<bool> Unchanged)> _hashJobs = [];
        private readonly ConcurrentBag<string> _problems = [];

        // Files that passed: false when taken unchanged from the verified previous snapshot, true when hashed now or by this run's Mirror.
        private readonly ConcurrentDictionary<string, bool> _verified = new(StringComparer.Ordinal);
        private long _bytesHashed;
        private int _releaseFiles;
        private int _unchangedFiles;
        private int _mirroredFiles;

        public IEnumerable<string> Problems => _problems;
        public int PackageCount { get; private set; }
        public int ReleaseFileCount => _releaseFiles;
        public long BytesHashed => Interlocked.Read(ref _bytesHashed);
        public int UnchangedCount => Volatile.Read(ref _unchangedFiles);
        public int MirroredCount => Volatile.Read(ref _mirroredFiles);

        public void Repositories(IReadOnlyList<RepositoryPlan> repositories)
        {
            foreach (var repository in repositories)
            {
                RequireBytes(UpstreamLayout.IndexPath(repository.Repo, repository.Arch), repository.Index, "the plan's verified upstream index");
                foreach (var package in repository.Packages)
                {
                    var relative = UpstreamLayout.PackagePath(repository.Repo, repository.Arch, package.FileName);
                    _hashJobs.Add((relative, package, package.Size, () => new PackageStreamCheck(package, relative, packageKeys),
                        () => unchanged.Holds(package, staging, relative)));
                }

                PackageCount += repository.Packages.Count;
            }
        }

        public void Releases(IReadOnlyList<ReleasePlan> releases)
        {
            foreach (var release in releases)
            {
                RequireBytes(UpstreamLayout.LatestReleasesPath(release.Arch), release.LatestReleases, "the plan's latest-releases.yaml");
                Interlocked.Increment(ref _releaseFiles);
                foreach (var image in release.Images)
                {
                    var relative = UpstreamLayout.ReleaseFilePath(release.Arch, image.File);
                    var signature = Signature(relative);
                    _hashJobs.Add((relative, image, image.Size,
                        () => new ReleaseImageStreamCheck(relative, image.Size, image.Sha256, signature?.Check(releaseKeys!, relative)),
                        () => unchanged.Holds(image, staging, relative)));
                }
            }
        }

        /// <summary>Hashes every package and image not taken unchanged or from this run's Mirror, as many at once as there are cores.</summary>
        public void HashAll()
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
            Parallel.ForEach(_hashJobs, options, job =>
            {
                if (job.Unchanged())
                {
                    Interlocked.Increment(ref _unchangedFiles);
                    _verified[job.Relative] = false;
                    return;
                }

                var path = Path.Combine(staging, job.Relative);
                if (mirrored.Holds(job.Entry, path, job.Size))
                {
                    Interlocked.Increment(ref _mirroredFiles);
                    _verified[job.Relative] = true;
                    return;
                }

                var file = new FileInfo(path);
                if (file is not { Exists: true, LinkTarget: null })
                {
                    _problems.Add($"{job.Relative}: missing, expected a file of {job.Size} bytes");
                    return;
                }

                if (file.Length != job.Size)
                {
                    _problems.Add($"{job.Relative}: size: expected {job.Size}, got {file.Length}");
                    return;
                }

                try
                {
                    // Inside the try: a signature by a key that is not a release key fails when the check starts.
                    using var check = job.NewCheck();
                    Interlocked.Add(ref _bytesHashed, StagedFile.Check(path, check, cancellationToken));
                    _verified[job.Relative] = true;
                }
                catch (Exception e) when (e is ChecksumMismatchException or ApkFormatException or SignatureException or ReleaseSignatureException)
                {
                    _problems.Add(e.Message);
                }
                catch (IOException e)
                {
                    _problems.Add($"{job.Relative}: unreadable: {e.Message}");
                }
            });
        }

        /// <summary>Checksum files, then netboot: both rely on the images hashed by <see cref="HashAll"/>.</summary>
        public void Netboot(IReadOnlyList<ReleasePlan> releases)
        {
            foreach (var release in releases)
            {
                foreach (var image in release.Images)
                {
                    ChecksumFiles(release, image);
                }

                if (release.NetbootImage is not { } tarballName)
                {
                    continue;
                }

                var link = UpstreamLayout.ReleaseFilePath(release.Arch, ReleasePlan.NetbootLinkName);
                var target = new FileInfo(Path.Combine(staging, link)).LinkTarget;
                if (target != release.NetbootDirectory)
                {
                    _problems.Add($"{link}: symlink: expected -> {release.NetbootDirectory}, got {(target is null ? "no symlink" : $"-> {target}")}");
                }

                var tarball = UpstreamLayout.ReleaseFilePath(release.Arch, tarballName);
                if (!_verified.TryGetValue(tarball, out var hashed))
                {
                    // Its own problem is already reported; an unverified tarball proves nothing about the folder.
                    continue;
                }

                var folder = UpstreamLayout.ReleaseFilePath(release.Arch, release.NetbootDirectory);
                if (!hashed && unchanged.HoldsTree(staging, folder))
                {
                    // The previous snapshot's folder was compared with this very tarball before it was published.
                    Interlocked.Increment(ref _releaseFiles);
                    continue;
                }

                try
                {
                    foreach (var problem in NetbootTarball.Differences(Path.Combine(staging, tarball), Path.Combine(staging, folder), folder,
                                 VerificationException.MaxListed, cancellationToken))
                    {
                        _problems.Add(problem);
                    }
                }
                catch (ReleaseFormatException e)
                {
                    _problems.Add(e.Message);
                }

                Interlocked.Increment(ref _releaseFiles);
            }
        }

        /// <summary>
        /// Nothing in staging the plan does not list, at any depth (DESIGN.md invariant 8); every listed folder a real
        /// folder; no temporary anywhere, each is an unfinished write. Listed files are checked by content elsewhere.
        /// </summary>
        public void Unlisted(ExpectedTree tree)
        {
            // Inside an unlisted folder only temporaries are named: the folder itself already is.
            var pending = new Stack<(string Relative, bool Listed)>([("", true)]);
            while (pending.TryPop(out var current))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var folder = Path.Combine(staging, current.Relative);
                foreach (var (name, expected, isFolder) in FolderListing.UnlistedOrFolders(folder, current.Relative, tree))
                {
                    var relative = FolderListing.Child(current.Relative, name);
                    var link = new FileInfo(Path.Combine(staging, relative)).LinkTarget;
                    var realFolder = isFolder && link is null;
                    if (AtomicFile.IsTemporary(name))
                    {
                        _problems.Add($"{relative}: temporary left by an unfinished write, expected none");
                    }
                    else if (expected is null && current.Listed)
                    {
                        var kind = link is not null ? "symlink" : isFolder ? "folder" : "file";
                        _problems.Add($"{relative}: not listed in {tree.ListerOf(current.Relative)}, expected no such {kind}");
                    }
                    else if (expected is not null && !realFolder)
                    {
                        _problems.Add($"{relative}: expected a folder, found {(link is null ? "a file" : $"a symlink to '{link}'")}");
                        continue;
                    }

                    // A subtree's content is its own check's (the netboot folder against its tarball).
                    if (realFolder && expected is not ExpectedEntry.Subtree)
                    {
                        pending.Push((relative, current.Listed && expected is not null));
                    }
                }
            }
        }

        private void ChecksumFiles(ReleasePlan release, ReleaseImage image)
        {
            var imageRelative = UpstreamLayout.ReleaseFilePath(release.Arch, image.File);
            foreach (var suffix in ReleaseImage.CompanionSuffixes)
            {
                var relative = imageRelative + suffix;
                var file = new FileInfo(Path.Combine(staging, relative));
                if (suffix == ReleaseFile.SignatureSuffix)
                {
                    // Read with the image's hash job (see Signature). Never a symlink or a folder, though: it would
                    // publish whatever it points to.
                    if (file.LinkTarget is { } target)
                    {
                        _problems.Add($"{relative}: expected a file or nothing, found a symlink to '{target}'");
                    }
                    else if (Directory.Exists(file.FullName))
                    {
                        _problems.Add($"{relative}: expected a file or nothing, found a folder");
                    }

                    continue;
                }

                if (file is not { Exists: true, LinkTarget: null })
                {
                    _problems.Add($"{relative}: missing, expected \"<hex>  {image.File}\"");
                    continue;
                }

                if (file.Length > ChecksumFile.MaxLength)
                {
                    _problems.Add($"{relative}: size: expected one line of at most {ChecksumFile.MaxLength} bytes, got {file.Length}");
                    continue;
                }

                var field = suffix.TrimStart('.');
                var expected = field == "sha256" ? image.Sha256 : image.Sha512;
                if (expected is null)
                {
                    if (!_verified.ContainsKey(imageRelative))
                    {
                        continue;
                    }

                    // latest-releases.yaml from older generators has no sha512: the verified image itself is the reference.
                    expected = StagedFile.Hash(Path.Combine(staging, imageRelative), HashAlgorithmName.SHA512, cancellationToken);
                }

                try
                {
                    ChecksumFile.Check(File.ReadAllBytes(file.FullName), relative, field, expected, image.File);
                    Interlocked.Increment(ref _releaseFiles);
                }
                catch (Exception e) when (e is ChecksumMismatchException or ReleaseFormatException)
                {
                    _problems.Add(e.Message);
                }
            }
        }

        /// <summary>
        /// The image's staged <c>.asc</c> when release keys are configured (then required), null otherwise; an
        /// <c>.asc</c> that is not an OpenPGP signature is a problem either way.
        /// </summary>
        private ReleaseSignature? Signature(string imageRelative)
        {
            var relative = imageRelative + ReleaseFile.SignatureSuffix;
            var file = new FileInfo(Path.Combine(staging, relative));
            if (file is not { Exists: true, LinkTarget: null })
            {
                if (releaseKeys is not null)
                {
                    _problems.Add($"{relative}: missing, expected a detached OpenPGP signature by a release key");
                }

                return null;
            }

            if (file.Length > ReleaseSignature.MaxBytes)
            {
                _problems.Add($"{relative}: size: expected a detached OpenPGP signature of at most {ReleaseSignature.MaxBytes} bytes, got {file.Length}");
                return null;
            }

            try
            {
                var signature = ReleaseSignature.Parse(File.ReadAllBytes(file.FullName), relative);
                Interlocked.Increment(ref _releaseFiles);
                return releaseKeys is null ? null : signature;
            }
            catch (ReleaseSignatureException e)
            {
                _problems.Add(e.Message);
                return null;
            }
        }

        private void RequireBytes(string relative, ReadOnlyMemory<byte> expected, string what)
        {
            var path = Path.Combine(staging, relative);
            if (new FileInfo(path) is not { Exists: true, LinkTarget: null } file)
            {
                _problems.Add($"{relative}: missing, expected {what}");
                return;
            }

            if (file.Length != expected.Length)
            {
                _problems.Add($"{relative}: size: expected {expected.Length} ({what}), got {file.Length}");
                return;
            }

            var actual = File.ReadAllBytes(path);
            Interlocked.Add(ref _bytesHashed, actual.Length);
            if (!actual.AsSpan().SequenceEqual(expected.Span))
            {
                _problems.Add($"{relative}: content: expected {what} byte for byte, got sha256 {Convert.ToHexStringLower(SHA256.HashData(actual))}");
            }
        }
    }
}
