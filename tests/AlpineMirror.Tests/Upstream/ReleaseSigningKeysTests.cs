using AlpineMirror.Apk;
using AlpineMirror.Configuration;
using AlpineMirror.Demo;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Upstream;

/// <summary>The --release-keys option's keys: a file or a folder of armored OpenPGP public keys.</summary>
public sealed class ReleaseSigningKeysTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("release-keys-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Should_load_alpines_key_file_and_a_folder_holding_it_and_a_key_made_here()
    {
        // Given Alpine's key and a key made in the test in one folder
        using var key = SigningKey.Create("tests@alpinemirror.test");
        var signer = ReleaseSigner.From(key);
        signer.WritePublicKey(_directory.FullName);
        File.Copy(Fixtures.Path("releases-pgp", "ncopa.asc"), Path.Combine(_directory.FullName, "ncopa.asc"));

        // When loaded as a file and as a folder, Then every primary key's fingerprint is listed
        Assert.Equal(["0482D84022F52DF1C4E7CD43293ACD0907D9495A"], ReleaseSigningKeys.Load(Fixtures.Path("releases-pgp", "ncopa.asc")).Fingerprints);
        Assert.Equal(["0482D84022F52DF1C4E7CD43293ACD0907D9495A", signer.Fingerprint], ReleaseSigningKeys.Load(_directory.FullName).Fingerprints);
    }

    [Fact]
    public void Should_refuse_a_missing_path_an_empty_folder_and_a_file_that_is_no_key()
    {
        var missing = Path.Combine(_directory.FullName, "missing.asc");
        var empty = _directory.CreateSubdirectory("empty").FullName;
        var notKey = Path.Combine(_directory.FullName, "apk.rsa.pub");
        File.Copy(Directory.GetFiles(Fixtures.AlpineKeys).First(), notKey);

        Assert.StartsWith($"{missing}: release keys: expected an OpenPGP public key file", Assert.Throws<ConfigurationException>(() => ReleaseSigningKeys.Load(missing)).Message);
        Assert.StartsWith($"{empty}: release keys: the folder holds no key file", Assert.Throws<ConfigurationException>(() => ReleaseSigningKeys.Load(empty)).Message);
        Assert.StartsWith($"{notKey}: release key: expected an OpenPGP public key block", Assert.Throws<ConfigurationException>(() => ReleaseSigningKeys.Load(notKey)).Message);
    }

    [Fact]
    public void Should_warn_only_for_plain_http_without_release_keys()
    {
        Assert.StartsWith("WARNING: --upstream http://mirror.example/alpine is plain http:// and no --release-keys are set",
            ReleaseSigningKeys.PlainHttpWarning(new Uri("http://mirror.example/alpine"), null));
        Assert.Null(ReleaseSigningKeys.PlainHttpWarning(new Uri("http://mirror.example/alpine"), "/etc/alpinemirror/ncopa.asc"));
        Assert.Null(ReleaseSigningKeys.PlainHttpWarning(new Uri("https://dl-cdn.alpinelinux.org/alpine"), null));
    }
}
