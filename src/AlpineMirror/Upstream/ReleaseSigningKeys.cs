using AlpineMirror.Configuration;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace AlpineMirror.Upstream;

/// <summary>
/// The OpenPGP public keys an operator trusts to sign release files (<c>--release-keys</c>): one armored key file, or
/// every file of a folder. Alpine signs with Natanael Copa's key, <c>https://alpinelinux.org/keys/ncopa.asc</c>.
/// </summary>
public sealed class ReleaseSigningKeys
{
    // An armored key with its signatures is a few kilobytes; anything far larger is not a key file and is not read whole.
    private const int MaxKeyFileLength = 1024 * 1024;

    private readonly Dictionary<long, PgpPublicKey> _keys;

    private ReleaseSigningKeys(string location, Dictionary<long, PgpPublicKey> keys, IReadOnlyList<string> fingerprints)
    {
        Location = location;
        _keys = keys;
        Fingerprints = fingerprints;
    }

    /// <summary>The file or folder the keys came from, named in errors.</summary>
    public string Location { get; }

    /// <summary>The primary keys' fingerprints, upper-case hex, in file order.</summary>
    public IReadOnlyList<string> Fingerprints { get; }

    /// <summary>Loads a file of armored (or binary) OpenPGP public keys, or every file of a folder.</summary>
    /// <exception cref="ConfigurationException">The path is missing, or a file holds no OpenPGP public key.</exception>
    public static ReleaseSigningKeys Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Order(StringComparer.Ordinal).ToList()
            : File.Exists(path)
                ? [path]
                : throw new ConfigurationException(path, "release keys: expected an OpenPGP public key file or a folder of them, found nothing");
        if (files.Count == 0)
        {
            throw new ConfigurationException(path, "release keys: the folder holds no key file (expected armored OpenPGP public keys such as ncopa.asc)");
        }

        var keys = new Dictionary<long, PgpPublicKey>();
        var fingerprints = new List<string>();
        foreach (var file in files)
        {
            foreach (var ring in ReadRings(file))
            {
                fingerprints.Add(Convert.ToHexString(ring.GetPublicKey().GetFingerprint()));
                foreach (var key in ring.GetPublicKeys())
                {
                    keys[key.KeyId] = key;
                }
            }
        }

        return new ReleaseSigningKeys(path, keys, fingerprints);
    }

    /// <summary>
    /// The warning to give when release files come over plain HTTP with no release key to check them: then nothing
    /// proves where the kernels sent to the boot servers came from. Null when there is nothing to warn about.
    /// </summary>
    public static string? PlainHttpWarning(Uri upstream, string? releaseKeys)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        return upstream.Scheme == Uri.UriSchemeHttp && releaseKeys is null
            ? $"WARNING: --upstream {upstream} is plain http:// and no --release-keys are set: release images and netboot kernels are "
              + "checked only against latest-releases.yaml, which anyone on the path can rewrite. Use https:// or set "
              + "--release-keys (Alpine: ncopa.asc from https://alpinelinux.org/keys/)."
            : null;
    }

    /// <summary>The key (primary or subkey) with this OpenPGP key id, if trusted.</summary>
    internal PgpPublicKey? Find(long keyId) => _keys.GetValueOrDefault(keyId);

    private static List<PgpPublicKeyRing> ReadRings(string file)
    {
        try
        {
            if (new FileInfo(file).Length > MaxKeyFileLength)
            {
                throw new ConfigurationException(file, $"release key: expected an OpenPGP public key of at most {MaxKeyFileLength} bytes, got a larger file");
            }

            using var input = PgpUtilities.GetDecoderStream(new MemoryStream(File.ReadAllBytes(file), writable: false));
            var rings = new PgpPublicKeyRingBundle(input).GetKeyRings().ToList();
            return rings.Count > 0
                ? rings
                : throw new ConfigurationException(file, "release key: expected an OpenPGP public key block, found none");
        }
        catch (Exception e) when (e is IOException or PgpException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ConfigurationException(file, $"release key: expected an OpenPGP public key block: {ExceptionText.OneLine(e)}");
        }
    }
}
