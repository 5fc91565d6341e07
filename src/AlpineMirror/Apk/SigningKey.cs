using System.Globalization;
using System.Security.Cryptography;
using AlpineMirror.Configuration;
using AlpineMirror.Storage;

namespace AlpineMirror.Apk;

/// <summary>An RSA private key and the public key file name apk looks it up by (APK-FORMAT.md §3).</summary>
public sealed class SigningKey : IDisposable
{
    private const string PublicKeySuffix = ".rsa.pub";
    private const string PrivateKeySuffix = ".rsa";

    private readonly RSA _rsa;

    private SigningKey(RSA rsa, string keyName)
    {
        _rsa = rsa;
        KeyName = keyName;
    }

    /// <summary>The public key file name, e.g. <c>builder@example.org-6650a1b2.rsa.pub</c>; signatures carry it in <c>.SIGN.&lt;ALG&gt;.&lt;KeyName&gt;</c>.</summary>
    public string KeyName { get; }

    public int KeySizeInBits => _rsa.KeySize;

    /// <summary>The private key's parameters, for the demo upstream's OpenPGP release key made from the same RSA key.</summary>
    internal RSAParameters ExportPrivateParameters() => _rsa.ExportParameters(includePrivateParameters: true);

    /// <summary>Generates a key named like abuild-keygen does: <c>&lt;name&gt;-&lt;hex unix time&gt;.rsa.pub</c>.</summary>
    public static SigningKey Create(string name, int bits = 2048)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.EndsWith(PublicKeySuffix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"key name '{name}' must not end with {PublicKeySuffix}: the suffix is added", nameof(name));
        }

        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture);
        var keyName = $"{name}-{created}{PublicKeySuffix}";
        RequireFileName(keyName);
        return new SigningKey(RSA.Create(bits), keyName);
    }

    /// <summary>
    /// Loads a PEM private key (PKCS#1 or PKCS#8). Without <paramref name="keyName"/> the abuild convention applies:
    /// the private key <c>X.rsa</c> belongs to the public key <c>X.rsa.pub</c>.
    /// </summary>
    public static SigningKey Load(string privateKeyPath, string? keyName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(privateKeyPath);
        var fileName = Path.GetFileName(privateKeyPath);
        if (keyName is null)
        {
            if (!fileName.EndsWith(PrivateKeySuffix, StringComparison.Ordinal))
            {
                throw new ConfigurationException(privateKeyPath,
                    $"key name: expected a file named <name>{PrivateKeySuffix} or an explicit key name, got {fileName}");
            }

            keyName = fileName + ".pub";
        }

        RequireFileName(keyName);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(privateKeyPath));
            // A public-only PEM imports fine but cannot sign; find out now rather than at the first signature.
            rsa.ExportRSAPrivateKey();
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new ConfigurationException(privateKeyPath,
                $"private key: expected an unencrypted RSA private key in PEM, got unusable content ({error.Message})");
        }

        return new SigningKey(rsa, keyName);
    }

    /// <summary>The public key as SubjectPublicKeyInfo PEM (<c>-----BEGIN PUBLIC KEY-----</c>), the format of /etc/apk/keys.</summary>
    public string ExportPublicKeyPem() => _rsa.ExportSubjectPublicKeyInfoPem() + "\n";

    /// <summary>Writes the public key as <c>&lt;directory&gt;/&lt;KeyName&gt;</c>, making a keys directory apk and TrustedKeys accept.</summary>
    public string WritePublicKey(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var path = Path.Combine(directory, KeyName);
        AtomicFile.WriteAllBytes(path, System.Text.Encoding.ASCII.GetBytes(ExportPublicKeyPem()));
        return path;
    }

    /// <summary>Writes the private key (PKCS#8 PEM, mode 0600) as <c>&lt;directory&gt;/&lt;name&gt;.rsa</c>, which <see cref="Load"/> reads back.</summary>
    public string WritePrivateKey(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var path = Path.Combine(directory, KeyName[..^".pub".Length]);
        var pem = System.Text.Encoding.ASCII.GetBytes(_rsa.ExportPkcs8PrivateKeyPem() + "\n");
        AtomicFile.WriteAllBytes(path, pem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>An RSA PKCS#1 v1.5 signature, as <c>openssl dgst -&lt;hash&gt; -sign</c> makes it.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data, HashAlgorithmName hash) =>
        _rsa.SignData(data, hash, RSASignaturePadding.Pkcs1);

    /// <summary>The tar entry name of a signature made with <paramref name="hash"/>: <c>.SIGN.RSA.</c> (SHA-1), <c>.SIGN.RSA256.</c> or <c>.SIGN.RSA512.</c> + KeyName.</summary>
    public string SignatureEntryName(HashAlgorithmName hash)
    {
        var algorithm = hash.Name switch
        {
            "SHA1" => "RSA",
            "SHA256" => "RSA256",
            "SHA512" => "RSA512",
            _ => throw new ArgumentException($"signature hash: expected SHA1, SHA256 or SHA512, got {hash.Name}", nameof(hash)),
        };
        return $".SIGN.{algorithm}.{KeyName}";
    }

    public void Dispose() => _rsa.Dispose();

    // apk finds the key by file name, so the name must be usable as one.
    private static void RequireFileName(string keyName)
    {
        if (keyName.IndexOfAny(['/', '\0', '\n']) >= 0 || keyName is "." or "..")
        {
            throw new ArgumentException($"key name: expected a plain file name, got '{keyName}'", nameof(keyName));
        }
    }
}
