using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AlpineMirror.Apk;
using AlpineMirror.Configuration;

namespace AlpineMirror.Tests.Apk;

public sealed class SigningKeyTests : IDisposable
{
    private static readonly byte[] Data = "control member bytes"u8.ToArray();
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-key-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Should_name_a_new_key_like_abuild_keygen()
    {
        // Given a name and the current time
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // When a key is created
        using var key = SigningKey.Create("builder@example.org");

        // Then its public key file name is <name>-<hex unix time>.rsa.pub
        var match = Regex.Match(key.KeyName, "^builder@example\\.org-([0-9a-f]+)\\.rsa\\.pub$");
        Assert.True(match.Success, key.KeyName);
        var created = Convert.ToInt64(match.Groups[1].Value, 16);
        Assert.InRange(created, before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(2048, key.KeySizeInBits);
    }

    [Fact]
    public void Should_write_a_public_key_that_openssl_reads_under_its_key_name()
    {
        // Given a 4096-bit key like Alpine's current ones
        using var key = SigningKey.Create("builder@example.org", 4096);

        // When its public key is written to a keys directory
        var path = key.WritePublicKey(_directory.FullName);

        // Then the file is named after the key and holds a SubjectPublicKeyInfo PEM
        Assert.Equal(Path.Combine(_directory.FullName, key.KeyName), path);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----\n", File.ReadAllText(path));
        var text = ExternalCommand.Require("openssl", ["pkey", "-pubin", "-in", path, "-noout", "-text"]).OutputText;
        Assert.Contains("Public-Key: (4096 bit)", text);
    }

    [Theory]
    [InlineData("SHA1", "-sha1")]
    [InlineData("SHA256", "-sha256")]
    [InlineData("SHA512", "-sha512")]
    public void Should_sign_so_that_openssl_dgst_verifies(string hash, string opensslDigest)
    {
        // Given a key, its public key file and some signed bytes
        using var key = SigningKey.Create("builder@example.org");
        var publicKey = key.WritePublicKey(_directory.FullName);
        var data = Write("data", Data);
        var signature = Write("signature", key.Sign(Data, new HashAlgorithmName(hash)));

        // When openssl verifies the signature as apk's EVP_VerifyFinal does (PKCS#1 v1.5)
        var result = ExternalCommand.Run("openssl", ["dgst", opensslDigest, "-verify", publicKey, "-signature", signature, data]);

        // Then it is accepted
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("Verified OK\n", result.OutputText);
    }

    [Fact]
    public void Should_produce_a_signature_openssl_rejects_for_changed_bytes()
    {
        // Given a signature over some bytes
        using var key = SigningKey.Create("builder@example.org");
        var publicKey = key.WritePublicKey(_directory.FullName);
        var signature = Write("signature", key.Sign(Data, HashAlgorithmName.SHA256));

        // When one byte of the data changes
        var changed = Data.ToArray();
        changed[3] ^= 0x01;
        var data = Write("data", changed);

        // Then openssl refuses it
        var result = ExternalCommand.Run("openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", signature, data]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Verification failure", result.OutputText + result.Error);
    }

    [Theory]
    [InlineData("genpkey")]
    [InlineData("traditional")]
    public void Should_load_a_private_key_made_by_openssl_and_name_it_after_the_file(string kind)
    {
        // Given a private key made by openssl as abuild-keygen does, in PKCS#8 or traditional PKCS#1 PEM
        var privateKey = Path.Combine(_directory.FullName, "packager@example.org-6650a1b2.rsa");
        ExternalCommand.Require("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", privateKey]);
        if (kind == "traditional")
        {
            ExternalCommand.Require("openssl", ["rsa", "-in", privateKey, "-traditional", "-out", privateKey]);
            Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(privateKey));
        }

        var publicKey = Path.Combine(_directory.FullName, "openssl.pub");
        ExternalCommand.Require("openssl", ["rsa", "-in", privateKey, "-pubout", "-out", publicKey]);

        // When it is loaded
        using var key = SigningKey.Load(privateKey);

        // Then the key name is the public key file name and its signatures verify with openssl's public key
        Assert.Equal("packager@example.org-6650a1b2.rsa.pub", key.KeyName);
        Assert.Equal(File.ReadAllText(publicKey), key.ExportPublicKeyPem());
        var signature = Write("signature", key.Sign(Data, HashAlgorithmName.SHA256));
        ExternalCommand.Require("openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", signature, Write("data", Data)]);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void Should_write_a_private_key_only_its_owner_can_read_and_load_it_back()
    {
        // Given a new key
        using var key = SigningKey.Create("builder@example.org");

        // When its private key is written and loaded again
        var path = key.WritePrivateKey(_directory.FullName);
        using var loaded = SigningKey.Load(path);

        // Then it is <name>.rsa, mode 0600, and the same key
        Assert.Equal(key.KeyName, Path.GetFileName(path) + ".pub");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(key.KeyName, loaded.KeyName);
        Assert.Equal(key.ExportPublicKeyPem(), loaded.ExportPublicKeyPem());
    }

    [Fact]
    public void Should_refuse_a_public_key_given_as_private_key()
    {
        // Given a public key saved under a private key's name
        using var key = SigningKey.Create("builder@example.org");
        var path = Path.Combine(_directory.FullName, "wrong.rsa");
        File.WriteAllText(path, key.ExportPublicKeyPem());

        // When it is loaded
        var error = Assert.Throws<ConfigurationException>(() => SigningKey.Load(path));

        // Then the error names the file and what was expected
        Assert.Equal(path, error.Source);
        Assert.Contains("private key", error.Message);
    }

    [Fact]
    public void Should_require_a_key_name_when_the_file_does_not_follow_the_abuild_convention()
    {
        // Given a private key file not named *.rsa
        using var key = SigningKey.Create("builder@example.org");
        var written = key.WritePrivateKey(_directory.FullName);
        var path = Path.Combine(_directory.FullName, "key.pem");
        File.Copy(written, path);

        // When it is loaded without and with an explicit key name
        var error = Assert.Throws<ConfigurationException>(() => SigningKey.Load(path));
        using var named = SigningKey.Load(path, "in-house-5f000000.rsa.pub");

        // Then the first is refused and the second carries the given name
        Assert.Contains("key.pem", error.Message);
        Assert.Equal("in-house-5f000000.rsa.pub", named.KeyName);
    }

    [Theory]
    [InlineData("SHA1", ".SIGN.RSA.")]
    [InlineData("SHA256", ".SIGN.RSA256.")]
    [InlineData("SHA512", ".SIGN.RSA512.")]
    public void Should_name_signature_entries_as_apk_looks_them_up(string hash, string prefix)
    {
        using var key = SigningKey.Create("builder@example.org");

        Assert.Equal(prefix + key.KeyName, key.SignatureEntryName(new HashAlgorithmName(hash)));
    }

    [Fact]
    public void Should_refuse_a_hash_apk_has_no_signature_type_for()
    {
        using var key = SigningKey.Create("builder@example.org");

        var error = Assert.Throws<ArgumentException>(() => key.SignatureEntryName(HashAlgorithmName.MD5));

        Assert.Contains("MD5", error.Message);
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
