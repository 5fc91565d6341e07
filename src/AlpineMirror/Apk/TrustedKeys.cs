using System.Security.Cryptography;
using AlpineMirror.Configuration;

namespace AlpineMirror.Apk;

/// <summary>The RSA public keys an operator trusts, keyed by file name as apk looks them up (APK-FORMAT.md §2.2, §3).</summary>
public sealed class TrustedKeys : IDisposable
{
    private const int MaxKeyFileLength = 64 * 1024;

    private readonly Dictionary<string, RSA> _keys;

    private TrustedKeys(string directory, Dictionary<string, RSA> keys)
    {
        Directory = directory;
        _keys = keys;
    }

    /// <summary>The folder the keys were loaded from.</summary>
    public string Directory { get; }

    /// <summary>The key file names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _keys.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Loads every file of <paramref name="directory"/> (not sub-folders) as a PEM RSA public key.</summary>
    /// <exception cref="ConfigurationException">The folder is missing or empty, or a file in it is not an RSA public key.</exception>
    public static TrustedKeys Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ConfigurationException(directory, "trusted keys folder does not exist");
        }

        var keys = new Dictionary<string, RSA>(StringComparer.Ordinal);
        try
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(directory))
            {
                keys.Add(Path.GetFileName(path), ReadKey(path));
            }
        }
        catch
        {
            foreach (var key in keys.Values)
            {
                key.Dispose();
            }

            throw;
        }

        if (keys.Count == 0)
        {
            throw new ConfigurationException(directory, "trusted keys folder holds no key files (expected PEM files such as alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub)");
        }

        return new TrustedKeys(directory, keys);
    }

    /// <summary>
    /// The keys of <paramref name="directory"/> (none when null) plus one key held in memory under <paramref name="name"/>,
    /// e.g. a repository's own key next to the builders' keys.
    /// </summary>
    /// <exception cref="ConfigurationException">The folder is missing, or a file in it is not an RSA public key.</exception>
    public static TrustedKeys With(string? directory, string name, string publicKeyPem)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(publicKeyPem);
        var keys = new Dictionary<string, RSA>(StringComparer.Ordinal);
        if (directory is not null)
        {
            using var loaded = Load(directory);
            foreach (var keyName in loaded.Names)
            {
                var copy = RSA.Create();
                copy.ImportSubjectPublicKeyInfo(loaded._keys[keyName].ExportSubjectPublicKeyInfo(), out _);
                keys.Add(keyName, copy);
            }
        }

        var own = RSA.Create();
        own.ImportFromPem(publicKeyPem);
        if (keys.Remove(name, out var shadowed))
        {
            shadowed.Dispose();
        }

        keys.Add(name, own);
        return new TrustedKeys(directory ?? name, keys);
    }

    /// <summary>The key whose file name is <paramref name="name"/>, if trusted.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RSA? key) =>
        _keys.TryGetValue(name, out key);

    /// <summary>
    /// Returns the first signature that names a trusted key and verifies over <paramref name="signedData"/>;
    /// one is enough, as in apk (doc/apk-v2.5.scd).
    /// </summary>
    /// <exception cref="SignatureException">There are no signatures, or none is by a trusted key and verifies.</exception>
    public ApkSignature VerifyAny(IReadOnlyList<ApkSignature> signatures, ReadOnlySpan<byte> signedData, string source)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        if (signatures.Count == 0)
        {
            throw new SignatureException(source, "not signed: no .SIGN.* entry");
        }

        var outcomes = new List<string>(signatures.Count);
        foreach (var signature in signatures)
        {
            if (signature.Hash is not { } hash)
            {
                outcomes.Add($"{signature.EntryName} (algorithm {signature.Algorithm} not supported)");
                continue;
            }

            if (!_keys.TryGetValue(signature.KeyName, out var key))
            {
                outcomes.Add($"{signature.EntryName} (key not trusted)");
                continue;
            }

            if (Verifies(key, signedData, signature.Value, hash))
            {
                return signature;
            }

            outcomes.Add($"{signature.EntryName} (does not verify with the trusted key)");
        }

        throw new SignatureException(source, $"no trusted signature verifies: {string.Join(", ", outcomes)}; trusted keys are in {Directory}");
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    private static bool Verifies(RSA key, ReadOnlySpan<byte> data, byte[] signature, HashAlgorithmName hash)
    {
        try
        {
            // Packages are verified in parallel with the same keys; an RSA instance is not documented as thread-safe.
            lock (key)
            {
                return key.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
            }
        }
        catch (CryptographicException)
        {
            // A signature of the wrong length for the key is simply a bad signature.
            return false;
        }
    }

    private static RSA ReadKey(string path)
    {
        string text;
        try
        {
            // A PEM RSA public key is under 1 KiB; anything far larger is not a key and is not read whole.
            if (new FileInfo(path).Length > MaxKeyFileLength)
            {
                throw new ConfigurationException(path, $"not a PEM RSA public key: larger than {MaxKeyFileLength} bytes");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, $"cannot read trusted key: {error.Message}");
        }

        var key = RSA.Create();
        try
        {
            key.ImportFromPem(text);
            return key;
        }
        catch (ArgumentException)
        {
            key.Dispose();
            throw new ConfigurationException(path, "not a PEM RSA public key: no -----BEGIN PUBLIC KEY----- block");
        }
        catch (CryptographicException error)
        {
            key.Dispose();
            throw new ConfigurationException(path, $"not a PEM RSA public key: {error.Message}");
        }
    }
}
