using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;
using AlpineMirror.Upstream;

namespace AlpineMirror.Demo;

/// <summary>
/// Writes an <see cref="UpstreamRelease"/> the way Alpine publishes it: signed packages and a signed APKINDEX.tar.gz per
/// repository, and release images with checksums, latest-releases.yaml and netboot files (see <see cref="Write"/>).
/// </summary>
/// <remarks>
/// Packages and indexes are signed with SHA-1 (<c>.SIGN.RSA.</c>), as Alpine's are; release images get an OpenPGP
/// <c>.asc</c> by a key made from the same RSA key (<see cref="ReleaseSigner"/>). The same key and release give
/// byte-identical files.
/// </remarks>
public sealed partial class UpstreamWriter
{
    /// <summary>The folder below the upstream root that receives the public key.</summary>
    public const string KeysDirectoryName = "keys";

    /// <summary>The folder below the upstream root that receives the OpenPGP public key of the release signatures.</summary>
    public const string ReleaseKeysDirectoryName = "release-keys";

    private readonly SigningKey _key;
    private readonly ApkPackageBuilder _builder;
    private readonly RepositoryWriter _indexWriter;
    private readonly ReleaseSigner _releaseSigner;

    // The packages this writer has made, so that the next release of a long series reuses unchanged files instead of
    // compressing and signing them again: 1 % of a 10,000-package upstream changes, not all of it.
    private readonly ConditionalWeakTable<PackageSpec, WrittenPackage> _written = new();

    public UpstreamWriter(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _builder = new ApkPackageBuilder(key, HashAlgorithmName.SHA1);
        _indexWriter = new RepositoryWriter(key, HashAlgorithmName.SHA1);
        _releaseSigner = ReleaseSigner.From(key);
    }

    /// <summary>
    /// Writes <paramref name="release"/> into <c>&lt;upstreamRoot&gt;/&lt;branch&gt;/</c>, replacing whatever that folder
    /// held, as upstream moves from one point release to the next: packages the release does not list, older indexes,
    /// images and netboot folders are deleted; unchanged files are left alone and keep their modification time.
    /// Other branches are not touched. The public key goes to <c>&lt;upstreamRoot&gt;/keys/</c>.
    /// </summary>
    /// <remarks>
    /// Layout: <c>&lt;branch&gt;/&lt;repo&gt;/&lt;arch&gt;/*.apk</c> and <c>APKINDEX.tar.gz</c>;
    /// <c>&lt;branch&gt;/releases/&lt;arch&gt;/</c> with <c>latest-releases.yaml</c>, the standard and virt ISOs and the
    /// netboot tarball, each with <c>.sha256</c> and <c>.sha512</c>, <c>netboot-&lt;version&gt;/</c> and <c>netboot</c> → it.
    /// To keep two releases side by side, write them into two roots.
    /// </remarks>
    /// <exception cref="ArgumentException">The release is inconsistent: a bad branch, version or name, a package of another arch, no linux-lts.</exception>
    public WrittenRelease Write(string upstreamRoot, UpstreamRelease release)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstreamRoot);
        ArgumentNullException.ThrowIfNull(release);
        Validate(release);

        var root = Path.GetFullPath(upstreamRoot);
        var keysDirectory = Directory.CreateDirectory(Path.Combine(root, KeysDirectoryName)).FullName;
        _key.WritePublicKey(keysDirectory);
        var releaseKeysDirectory = Path.Combine(root, ReleaseKeysDirectoryName);
        _releaseSigner.WritePublicKey(releaseKeysDirectory);

        var branchDirectory = Path.Combine(root, release.Branch);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var description = IndexDescription(release);
        int packageCount = 0, reusedCount = 0;
        long packageBytes = 0;
        foreach (var (repository, packages) in release.Repositories.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var directory = Path.Combine(branchDirectory, UpstreamLayout.RepositoryPath(repository, release.Arch));
            Directory.CreateDirectory(directory);
            keep.Add(Path.Combine(branchDirectory, repository));
            keep.Add(directory);

            var entries = new ApkIndexEntry[packages.Count];
            var reused = 0;
            Parallel.For(0, packages.Count, i =>
            {
                entries[i] = WritePackage(directory, packages[i], out var wasReused);
                if (wasReused)
                {
                    Interlocked.Increment(ref reused);
                }
            });

            keep.UnionWith(entries.Select(entry => Path.Combine(directory, entry.FileName)));
            keep.Add(_indexWriter.WriteIndex(directory, entries, description));
            packageCount += entries.Length;
            packageBytes += entries.Sum(entry => entry.Size);
            reusedCount += reused;
        }

        keep.UnionWith(ReleaseFolderWriter.Write(branchDirectory, release, _releaseSigner));
        RemoveAllBut(branchDirectory, keep);
        return new WrittenRelease
        {
            Root = root,
            BranchDirectory = branchDirectory,
            KeysDirectory = keysDirectory,
            ReleaseKeysDirectory = releaseKeysDirectory,
            PackageCount = packageCount,
            PackageBytes = packageBytes,
            ReusedPackageCount = reusedCount,
        };
    }

    private ApkIndexEntry WritePackage(string directory, PackageSpec spec, out bool reused)
    {
        var path = Path.Combine(directory, $"{spec.Name}-{spec.Version}.apk");
        if (_written.TryGetValue(spec, out var earlier) && TryReuse(earlier, path))
        {
            // Remember the newest copy: the root that held the earlier one may be deleted.
            _written.AddOrUpdate(spec, earlier with { Path = path });
            reused = true;
            return earlier.Entry;
        }

        var package = _builder.Build(spec);
        GeneratedFile.Write(path, package.Content.Span);
        _written.AddOrUpdate(spec, new WrittenPackage(package.Entry, path, SHA256.HashData(package.Content.Span)));
        reused = false;
        return package.Entry;
    }

    // The earlier file is used only if it still holds exactly what was written.
    private static bool TryReuse(WrittenPackage earlier, string path)
    {
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            if (stream.Length == earlier.Entry.Size && SHA256.HashData(stream).AsSpan().SequenceEqual(earlier.Sha256))
            {
                return true;
            }
        }

        if (path == earlier.Path || !File.Exists(earlier.Path))
        {
            return false;
        }

        var content = File.ReadAllBytes(earlier.Path);
        if (content.Length != earlier.Entry.Size || !SHA256.HashData(content).AsSpan().SequenceEqual(earlier.Sha256))
        {
            return false;
        }

        GeneratedFile.Write(path, content);
        return true;
    }

    private static void Validate(UpstreamRelease release)
    {
        if (!BranchPattern().IsMatch(release.Branch))
        {
            throw new ArgumentException($"release branch: expected vX.Y or edge, got '{release.Branch}'", nameof(release));
        }

        if (!ApkVersion.IsValid(release.Version))
        {
            throw new ArgumentException($"release {release.Branch} version: expected a version like 3.15.4, got '{release.Version}'", nameof(release));
        }

        if (!NamePattern().IsMatch(release.Arch))
        {
            throw new ArgumentException($"release {release.Version} arch: expected a name like x86_64, got '{release.Arch}'", nameof(release));
        }

        foreach (var (repository, packages) in release.Repositories)
        {
            if (!NamePattern().IsMatch(repository))
            {
                throw new ArgumentException($"release {release.Version} repository: expected a name like main, got '{repository}'", nameof(release));
            }

            var files = new HashSet<string>(StringComparer.Ordinal);
            foreach (var package in packages)
            {
                if (package.Arch != release.Arch)
                {
                    throw new ArgumentException(
                        $"{repository}/{package.Name}-{package.Version} arch: expected {release.Arch} like its release, got '{package.Arch}'", nameof(release));
                }

                if (!files.Add($"{package.Name}-{package.Version}"))
                {
                    throw new ArgumentException($"{repository}/{package.Name}-{package.Version}: listed twice", nameof(release));
                }
            }
        }

        // The images need linux-lts; refuse before anything is written.
        ReleaseFolderWriter.KernelReleases(release);
    }

    /// <summary>What Alpine's indexes carry as DESCRIPTION, the aports <c>git describe</c>: <c>v3.15.4-12-g1a2b3c4</c>.</summary>
    private static string IndexDescription(UpstreamRelease release)
    {
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{release.Branch} {release.Version}"));
        return $"v{release.Version}-{hash[0] % 64}-g{Convert.ToHexStringLower(hash)[..11]}";
    }

    /// <summary>Deletes everything under <paramref name="directory"/> that is not in <paramref name="keep"/> (full paths) or inside a kept folder's kept entries.</summary>
    private static void RemoveAllBut(string directory, HashSet<string> keep)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null || entry is FileInfo)
            {
                if (!keep.Contains(entry.FullName))
                {
                    // unlink: for a symlink to a folder this removes the link, never the target.
                    File.Delete(entry.FullName);
                }
            }
            else if (keep.Contains(entry.FullName))
            {
                RemoveAllBut(entry.FullName, keep);
            }
            else
            {
                Directory.Delete(entry.FullName, recursive: true);
            }
        }
    }

    [GeneratedRegex(@"\A(v[0-9]+\.[0-9]+|edge)\z")]
    private static partial Regex BranchPattern();

    // What UpstreamLayout accepts for repository and arch folders.
    [GeneratedRegex(@"\A[a-z0-9_]+\z")]
    private static partial Regex NamePattern();

    private sealed record WrittenPackage(ApkIndexEntry Entry, string Path, byte[] Sha256);
}
