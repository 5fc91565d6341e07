using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;
using AlpineMirror.Storage;

namespace AlpineMirror.InHouse;

/// <summary>
/// The published in-house repository <c>[ALPINE]/&lt;name&gt;/</c>: <c>&lt;arch&gt;/APKINDEX.tar.gz</c> signed with the
/// in-house key, the packages it lists beside it, and <c>&lt;name&gt;.rsa.pub</c> for the stations; plus the feed's state
/// under <c>.alpinemirror/inhouse/</c> (staging, the previous indexes, the withdrawn versions).
/// </summary>
public sealed partial class InHouseRepository
{
    /// <summary>The lock of this feed: <c>.alpinemirror/inhouse.lock</c>.</summary>
    public const string Feed = "inhouse";

    private const string PackageSuffix = ".apk";

    // Temporaries start with a dot; the default enumeration options skip hidden entries.
    private static readonly EnumerationOptions IncludeHidden = new() { AttributesToSkip = 0 };

    /// <exception cref="InHouseSetupException">The name is not a plain lower-case folder name, or collides with the Alpine tree.</exception>
    public InHouseRepository(MirrorRoot root, string name)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(name);
        if (!RepositoryName().IsMatch(name) || name is MirrorRoot.LatestStableName or "edge" or "clamav")
        {
            throw new InHouseSetupException("--inhouse-name",
                $"expected a folder name of a-z, 0-9, '_' and '-' starting with a letter, other than latest-stable, edge and clamav; got '{name}'");
        }

        Path = System.IO.Path.Combine(root.Path, name);
        PublicKeyPath = System.IO.Path.Combine(Path, name + ".rsa.pub");
        StateDirectory = System.IO.Path.Combine(root.StateDirectory, Feed);
    }

    /// <summary><c>[ALPINE]/&lt;name&gt;</c>, what stations list as <c>http://&lt;mirror&gt;/&lt;name&gt;/</c>.</summary>
    public string Path { get; }

    public string PublicKeyPath { get; }

    /// <summary>The feed's own state: <c>.alpinemirror/inhouse/</c>.</summary>
    public string StateDirectory { get; }

    /// <summary>Where packages wait, verified, until they are published; emptied at the start and end of every run.</summary>
    public string StagingDirectory => System.IO.Path.Combine(StateDirectory, "staging");

    public string ArchPath(string arch) => System.IO.Path.Combine(Path, arch);

    public string IndexPath(string arch) => System.IO.Path.Combine(ArchPath(arch), RepositoryWriter.IndexFileName);

    /// <summary>The index an arch had before the last publication that changed it, kept for the operator.</summary>
    public string PreviousIndexPath(string arch) => System.IO.Path.Combine(StateDirectory, "previous", arch, RepositoryWriter.IndexFileName);

    /// <summary>The packages each arch's published index lists, verified with the in-house key; empty where none is published.</summary>
    /// <exception cref="SignatureException">A published index is not signed by the in-house key.</exception>
    /// <exception cref="ApkFormatException">A published index is malformed.</exception>
    public IReadOnlyDictionary<string, IReadOnlyList<ApkIndexEntry>> ReadPublished(IEnumerable<string> archs, TrustedKeys inHouseKey)
    {
        var published = new Dictionary<string, IReadOnlyList<ApkIndexEntry>>(StringComparer.Ordinal);
        foreach (var arch in archs)
        {
            var index = IndexPath(arch);
            published[arch] = File.Exists(index) ? ApkIndexReader.Read(index, inHouseKey).Entries : [];
        }

        return published;
    }

    /// <summary>Writes the public key stations trust when it is missing or no longer the one the private key belongs to.</summary>
    public void PublishPublicKey(SigningKey key)
    {
        Directory.CreateDirectory(Path);
        var pem = key.ExportPublicKeyPem();
        if (!File.Exists(PublicKeyPath) || File.ReadAllText(PublicKeyPath) != pem)
        {
            key.WritePublicKey(Path);
        }
    }

    /// <summary>Gives the verified <paramref name="staged"/> file its published name in <paramref name="arch"/>, by a hard link and one rename.</summary>
    /// <exception cref="StorageException">The link or the rename failed.</exception>
    public void PlacePackage(string staged, string arch, string fileName)
    {
        var folder = Directory.CreateDirectory(ArchPath(arch)).FullName;
        var target = System.IO.Path.Combine(folder, fileName);
        var temporary = AtomicFile.TemporaryPathFor(target);
        var errno = LibC.Link(Encoding.UTF8.GetBytes(staged + "\0"), Encoding.UTF8.GetBytes(temporary + "\0"));
        if (errno != 0)
        {
            throw new StorageException(target, $"could not link the verified {System.IO.Path.GetFileName(staged)} into place: {LibC.Describe(errno)}");
        }

        AtomicFile.Commit(temporary, target);
    }

    /// <summary>
    /// Replaces <paramref name="arch"/>'s index by one rename, listing <paramref name="entries"/> under that arch (as
    /// <c>apk index --rewrite-arch</c> does for noarch packages); the index it replaces is kept as the previous one.
    /// </summary>
    public void WriteIndex(string arch, IEnumerable<ApkIndexEntry> entries, SigningKey key, HashAlgorithmName signature, string description)
    {
        var index = IndexPath(arch);
        if (File.Exists(index))
        {
            var previous = PreviousIndexPath(arch);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(previous)!);
            AtomicFile.WriteAllBytes(previous, File.ReadAllBytes(index));
        }

        Directory.CreateDirectory(ArchPath(arch));
        new RepositoryWriter(key, signature).WriteIndex(ArchPath(arch), entries.Select(entry => entry with { Arch = arch }), description);
    }

    /// <summary>Removes from <paramref name="arch"/>'s folder every package and temporary its index does not list.</summary>
    public void RemoveUnlisted(string arch, IReadOnlyCollection<ApkIndexEntry> listed)
    {
        var folder = ArchPath(arch);
        if (!Directory.Exists(folder))
        {
            return;
        }

        var keep = new HashSet<string>(listed.Select(entry => entry.FileName), StringComparer.Ordinal) { RepositoryWriter.IndexFileName };
        foreach (var path in Directory.EnumerateFiles(folder, "*", IncludeHidden).ToList())
        {
            var name = System.IO.Path.GetFileName(path);
            if (!keep.Contains(name) && (name.EndsWith(PackageSuffix, StringComparison.Ordinal) || AtomicFile.IsTemporary(name)))
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>Empties the staging folder, dropping what an interrupted run left there.</summary>
    public string ResetStaging()
    {
        if (Directory.Exists(StagingDirectory))
        {
            Directory.Delete(StagingDirectory, recursive: true);
        }

        return Directory.CreateDirectory(StagingDirectory).FullName;
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryName();
}
