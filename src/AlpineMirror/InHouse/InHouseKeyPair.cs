using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Storage;

namespace AlpineMirror.InHouse;

/// <summary>
/// The in-house signing key: made once by the key ceremony (an RSA key as <c>abuild-keygen</c> makes it), then loaded
/// by every run that signs an index. The private key never lives under the root, which the web server publishes.
/// </summary>
public static class InHouseKeyPair
{
    // abuild-keygen's default (openssl genrsa 2048); apk verifies 2048- and 4096-bit keys alike.
    private const int Bits = 2048;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode WorldAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Creates the key pair: the private key at <paramref name="privateKeyPath"/> (PKCS#8 PEM, mode 0600, never over an
    /// existing file) and the public key as <c>&lt;repository&gt;/&lt;name&gt;.rsa.pub</c>. Returns the public key's path.
    /// </summary>
    /// <exception cref="InHouseSetupException">No key path, a key path under the root, or a key already there.</exception>
    public static string Create(MirrorRoot root, InHouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        var privateKey = RequireKeyPath(root, options);
        var repository = new InHouseRepository(root, options.Name);
        if (File.Exists(privateKey))
        {
            throw new InHouseSetupException(privateKey, "private key: already exists; the key ceremony never overwrites a key (stations trust its public half)");
        }

        if (File.Exists(repository.PublicKeyPath))
        {
            throw new InHouseSetupException(repository.PublicKeyPath,
                "public key: already published; stations trust it, so a new key is never put in its place (remove it by hand to rotate the key)");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(privateKey)!);
        using var rsa = RSA.Create(Bits);
        WriteNew(privateKey, Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem() + "\n"));
        Directory.CreateDirectory(repository.Path);
        using var key = SigningKey.Load(privateKey, options.KeyName);
        return key.WritePublicKey(repository.Path);
    }

    /// <summary>Loads the private key named as stations trust it, refusing one other users can read.</summary>
    /// <exception cref="InHouseSetupException">No key path, a key under the root, missing, world-accessible or unusable.</exception>
    public static SigningKey Load(MirrorRoot root, InHouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        var privateKey = RequireKeyPath(root, options);
        if (!File.Exists(privateKey))
        {
            throw new InHouseSetupException(privateKey, "private key: not found; create it once with --target=InHouseKey");
        }

        var mode = File.GetUnixFileMode(privateKey);
        if ((mode & WorldAccess) != 0)
        {
            // Refused, not warned about: whoever could read it can sign packages every station installs.
            throw new InHouseSetupException(privateKey,
                $"private key: expected no access for other users (chmod 600), got mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}");
        }

        try
        {
            return SigningKey.Load(privateKey, options.KeyName);
        }
        catch (ConfigurationException error)
        {
            throw new InHouseSetupException(privateKey, $"private key: {error.Message[(error.Source.Length + 2)..]}", error);
        }
    }

    private static string RequireKeyPath(MirrorRoot root, InHouseOptions options)
    {
        var path = options.Key is { } key
            ? Path.GetFullPath(key)
            : throw new InHouseSetupException("--inhouse-key", "the in-house private key file is required (e.g. --inhouse-key=/etc/alpinemirror/panoptiscan.rsa)");
        var relative = Path.GetRelativePath(root.Path, path);
        if (relative != ".." && !relative.StartsWith("../", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
        {
            throw new InHouseSetupException(path, $"private key: expected a path outside the mirror root {root.Path}, which the web server publishes");
        }

        return path;
    }

    // Written beside the target, then linked to its name: link(2) fails when the name exists, so a key never replaces another.
    private static void WriteNew(string path, byte[] pem)
    {
        var temporary = AtomicFile.TemporaryPathFor(path);
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
            {
                stream.Write(pem);
                stream.Flush(flushToDisk: true);
            }

            var errno = LibC.Link(Encoding.UTF8.GetBytes(temporary + "\0"), Encoding.UTF8.GetBytes(path + "\0"));
            if (errno != 0)
            {
                throw new InHouseSetupException(path, $"private key: could not create it: {LibC.Describe(errno)}");
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
