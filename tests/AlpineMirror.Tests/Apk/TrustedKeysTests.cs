using System.Security.Cryptography;
using AlpineMirror.Apk;
using AlpineMirror.Configuration;

namespace AlpineMirror.Tests.Apk;

public sealed class TrustedKeysTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-keys-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Should_load_every_alpine_key_under_its_file_name()
    {
        // Given Alpine's 20 published public keys
        // When the folder is loaded
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);

        // Then each key is found by the file name a .SIGN entry names, with its real size
        Assert.Equal(20, keys.Names.Count);
        Assert.True(keys.TryGet("alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub", out var modern));
        Assert.Equal(4096, modern.KeySize);
        Assert.True(keys.TryGet("alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub", out var old));
        Assert.Equal(2048, old.KeySize);
        Assert.False(keys.TryGet("alpine-devel@lists.alpinelinux.org-6165ee59", out _));
    }

    [Fact]
    public void Should_refuse_a_folder_that_does_not_exist()
    {
        // Given a path with no folder
        var missing = Path.Combine(_directory.FullName, "etc", "apk", "keys");

        // When it is loaded
        var error = Assert.Throws<ConfigurationException>(() => TrustedKeys.Load(missing));

        // Then the one-line message names it
        Assert.Equal($"{missing}: trusted keys folder does not exist", error.Message);
    }

    [Fact]
    public void Should_refuse_an_empty_folder()
    {
        // Given an empty folder
        // When it is loaded
        var error = Assert.Throws<ConfigurationException>(() => TrustedKeys.Load(_directory.FullName));

        // Then trusting nothing is an error, not a silent pass-through
        Assert.StartsWith($"{_directory.FullName}: trusted keys folder holds no key files", error.Message);
    }

    [Fact]
    public void Should_refuse_a_file_that_is_not_a_key_naming_the_file()
    {
        // Given a real key next to a package that was copied into the keys folder by mistake
        File.Copy(Path.Combine(Fixtures.AlpineKeys, "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"),
            Path.Combine(_directory.FullName, "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"));
        var stray = Path.Combine(_directory.FullName, "alpine-baselayout-3.2.0-r23.apk");
        File.Copy(Fixtures.Path("rsa256-signed", "alpine-baselayout-3.2.0-r23.apk"), stray);

        // When the folder is loaded
        var error = Assert.Throws<ConfigurationException>(() => TrustedKeys.Load(_directory.FullName));

        // Then the message names the offending file
        Assert.Equal($"{stray}: not a PEM RSA public key: no -----BEGIN PUBLIC KEY----- block", error.Message);
    }

    [Fact]
    public void Should_refuse_a_corrupt_pem_block()
    {
        // Given a key file whose base64 body was damaged
        var path = Path.Combine(_directory.FullName, "broken.rsa.pub");
        File.WriteAllText(path, "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n");

        // When the folder is loaded
        var error = Assert.Throws<ConfigurationException>(() => TrustedKeys.Load(_directory.FullName));

        // Then the file is named
        Assert.StartsWith($"{path}: not a PEM RSA public key", error.Message);
    }

    [Fact]
    public void Should_return_the_first_trusted_signature_that_verifies()
    {
        // Given data signed by a trusted key, listed after a signature by an unknown key and a forged one
        using var signer = RSA.Create(2048);
        File.WriteAllText(Path.Combine(_directory.FullName, "signer.rsa.pub"), signer.ExportSubjectPublicKeyInfoPem());
        using var keys = TrustedKeys.Load(_directory.FullName);
        var data = "unsigned index bytes"u8.ToArray();
        var good = new ApkSignature(".SIGN.RSA512.signer.rsa.pub", "RSA512", "signer.rsa.pub",
            signer.SignData(data, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1));
        ApkSignature[] signatures =
        [
            new(".SIGN.RSA.stranger.rsa.pub", "RSA", "stranger.rsa.pub", new byte[256]),
            good with { EntryName = ".SIGN.RSA256.signer.rsa.pub", Algorithm = "RSA256" },
            good,
        ];

        // When they are checked
        var verified = keys.VerifyAny(signatures, data, "APKINDEX.tar.gz");

        // Then the SHA-512 one is chosen: the SHA-256 claim does not verify a SHA-512 signature
        Assert.Same(good, verified);
    }

    [Fact]
    public void Should_explain_why_each_signature_failed()
    {
        // Given signatures by an unknown key, with an unsupported algorithm, and a bad one by a trusted key
        using var signer = RSA.Create(2048);
        File.WriteAllText(Path.Combine(_directory.FullName, "signer.rsa.pub"), signer.ExportSubjectPublicKeyInfoPem());
        using var keys = TrustedKeys.Load(_directory.FullName);
        ApkSignature[] signatures =
        [
            new(".SIGN.RSA.stranger.rsa.pub", "RSA", "stranger.rsa.pub", new byte[256]),
            new(".SIGN.DSA.signer.rsa.pub", "DSA", "signer.rsa.pub", new byte[64]),
            new(".SIGN.RSA256.signer.rsa.pub", "RSA256", "signer.rsa.pub", new byte[256]),
        ];

        // When they are checked
        var error = Assert.Throws<SignatureException>(() => keys.VerifyAny(signatures, "data"u8, "APKINDEX.tar.gz"));

        // Then every signature is listed with its reason
        Assert.Equal(
            "APKINDEX.tar.gz: no trusted signature verifies: .SIGN.RSA.stranger.rsa.pub (key not trusted), "
            + ".SIGN.DSA.signer.rsa.pub (algorithm DSA not supported), "
            + $".SIGN.RSA256.signer.rsa.pub (does not verify with the trusted key); trusted keys are in {_directory.FullName}",
            error.Message);
    }

    [Fact]
    public void Should_trust_a_folder_and_one_more_key_held_in_memory_under_its_name()
    {
        // Given Alpine's keys and a repository key that is not in that folder
        using var repository = SigningKey.Create("repository@example.org");

        // When both are trusted together
        using var keys = TrustedKeys.With(Fixtures.AlpineKeys, repository.KeyName, repository.ExportPublicKeyPem());

        // Then a signature by either verifies, found by name
        Assert.Equal(21, keys.Names.Count);
        var data = "signed"u8.ToArray();
        var signature = new ApkSignature(repository.SignatureEntryName(HashAlgorithmName.SHA256), "RSA256", repository.KeyName, repository.Sign(data, HashAlgorithmName.SHA256));
        Assert.Equal(repository.KeyName, keys.VerifyAny([signature], data, "test").KeyName);
        Assert.True(keys.TryGet("alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub", out _));
    }
}
