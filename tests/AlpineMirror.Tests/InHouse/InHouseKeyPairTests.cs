using AlpineMirror.InHouse;
using AlpineMirror.Tests.Apk;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.InHouse;

public sealed class InHouseKeyPairTests : IDisposable
{
    private readonly TemporaryMirrorRoot _root = new();
    private readonly DirectoryInfo _secrets = Directory.CreateTempSubdirectory("inhouse-secrets-");

    public void Dispose()
    {
        _root.Dispose();
        _secrets.Delete(recursive: true);
    }

    private InHouseOptions Options => new() { Key = Path.Combine(_secrets.FullName, "keys", "panoptiscan.rsa") };

    private AlpineMirror.Storage.MirrorRoot Mirror => new(_root.Path);

    [Fact]
    public void Should_create_a_private_key_only_its_owner_reads_and_publish_the_matching_public_key_under_the_name_stations_trust()
    {
        // When the key ceremony runs
        var publicKey = InHouseKeyPair.Create(Mirror, Options);

        // Then the private key is 0600 outside the root, the public key is panoptiscan/panoptiscan.rsa.pub, and openssl agrees they match
        Assert.Equal(Path.Combine(_root.Path, "panoptiscan", "panoptiscan.rsa.pub"), publicKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Options.Key!));
        var derived = ExternalCommand.Require("openssl", ["pkey", "-in", Options.Key!, "-pubout"]).OutputText;
        Assert.Equal(derived, File.ReadAllText(publicKey));
        Assert.Contains("Private-Key: (2048 bit", ExternalCommand.Require("openssl", ["pkey", "-in", Options.Key!, "-noout", "-text"]).OutputText);

        // And the loaded key signs as .SIGN.RSA256.panoptiscan.rsa.pub
        using var key = InHouseKeyPair.Load(Mirror, Options);
        Assert.Equal(".SIGN.RSA256.panoptiscan.rsa.pub", key.SignatureEntryName(System.Security.Cryptography.HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Should_never_overwrite_an_existing_key()
    {
        // Given a key made by the ceremony
        InHouseKeyPair.Create(Mirror, Options);
        var before = (File.ReadAllText(Options.Key!), File.ReadAllText(Path.Combine(_root.Path, "panoptiscan", "panoptiscan.rsa.pub")));

        // When the ceremony runs again
        var error = Assert.Throws<InHouseSetupException>(() => InHouseKeyPair.Create(Mirror, Options));

        // Then it is refused and both halves are unchanged
        Assert.Equal($"{Options.Key}: private key: already exists; the key ceremony never overwrites a key (stations trust its public half)", error.Message);
        Assert.Equal(before, (File.ReadAllText(Options.Key!), File.ReadAllText(Path.Combine(_root.Path, "panoptiscan", "panoptiscan.rsa.pub"))));
    }

    [Fact]
    public void Should_refuse_a_private_key_path_inside_the_published_root()
    {
        var inside = new InHouseOptions { Key = Path.Combine(_root.Path, "panoptiscan", "panoptiscan.rsa") };

        var error = Assert.Throws<InHouseSetupException>(() => InHouseKeyPair.Create(Mirror, inside));

        Assert.Equal($"{inside.Key}: private key: expected a path outside the mirror root {_root.Path}, which the web server publishes", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "panoptiscan")));
    }
}
