using System.Text;
using AlpineMirror.Apk;
using AlpineMirror.Demo;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Upstream;

/// <summary>Detached OpenPGP signatures of release files: Alpine's real one, and ones made here with a key made here.</summary>
public sealed class ReleaseSignatureTests : IDisposable
{
    private const string Minirootfs = "alpine-minirootfs-3.20.3-x86_64.tar.gz";
    private readonly SigningKey _key = SigningKey.Create("tests@alpinemirror.test");
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("release-signature-");

    private static string Pgp(string name) => Fixtures.Path("releases-pgp", name);

    private static ReleaseSigningKeys AlpineKey => ReleaseSigningKeys.Load(Pgp("ncopa.asc"));

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }

    private static void Verify(ReleaseSignature signature, ReleaseSigningKeys keys, byte[] content, int chunk = 4096)
    {
        var check = signature.Check(keys, "signed-file");
        for (var offset = 0; offset < content.Length; offset += chunk)
        {
            check.Append(content.AsSpan(offset, Math.Min(chunk, content.Length - offset)));
        }

        check.Complete();
    }

    [Fact]
    public void Should_verify_alpines_real_signature_of_the_real_minirootfs_with_ncopas_key()
    {
        // Given Alpine's release key and the .asc Alpine published for the 3.20.3 minirootfs
        var keys = AlpineKey;
        var signature = ReleaseSignature.Parse(File.ReadAllBytes(Pgp(Minirootfs + ".asc")), Minirootfs + ".asc");

        // When the tarball streams through the check, Then it verifies, by Natanael Copa's key
        Verify(signature, keys, File.ReadAllBytes(Pgp(Minirootfs)));
        Assert.Equal(["0482D84022F52DF1C4E7CD43293ACD0907D9495A"], keys.Fingerprints);
        Assert.Equal("293ACD0907D9495A", signature.KeyId);
    }

    [Fact]
    public void Should_refuse_the_real_minirootfs_with_one_byte_flipped()
    {
        // Given the real tarball with the byte at offset 1000 changed, as PROVENANCE.md's negative check does
        var content = File.ReadAllBytes(Pgp(Minirootfs));
        content[1000] = 0x00;
        var signature = ReleaseSignature.Parse(File.ReadAllBytes(Pgp(Minirootfs + ".asc")), Minirootfs + ".asc");

        // When checked
        var error = Assert.Throws<ReleaseSignatureException>(() => Verify(signature, AlpineKey, content));

        // Then one line names the file, the signature and the key
        Assert.Equal($"signed-file: OpenPGP signature {Minirootfs}.asc: BAD signature by release key 293ACD0907D9495A: the file differs from what was signed", error.Message);
    }

    [Fact]
    public void Should_refuse_a_signature_by_a_key_that_is_not_a_release_key()
    {
        // Given a file signed with a key made here, and only Alpine's key trusted
        var content = Encoding.ASCII.GetBytes("a forged kernel");
        var signature = ReleaseSignature.Parse(ReleaseSigner.From(_key).Sign(content, DateTimeOffset.UtcNow), "forged.asc");

        // When the check starts
        var error = Assert.Throws<ReleaseSignatureException>(() => signature.Check(AlpineKey, "signed-file"));

        // Then it names the signing key and the trusted ones
        Assert.Equal(
            $"signed-file: OpenPGP signature forged.asc: made by key {signature.KeyId}, which is not a release key; release keys ({Pgp("ncopa.asc")}): 0482D84022F52DF1C4E7CD43293ACD0907D9495A",
            error.Message);
    }

    [Fact]
    public void Should_verify_a_signature_made_here_and_refuse_the_same_bytes_with_one_more()
    {
        // Given a release key made in the test, written as an operator would pass it to --release-keys
        var signer = ReleaseSigner.From(_key);
        var keys = ReleaseSigningKeys.Load(signer.WritePublicKey(_directory.FullName));
        var content = Encoding.ASCII.GetBytes(new string('k', 10_000));
        var signature = ReleaseSignature.Parse(signer.Sign(content, DateTimeOffset.UtcNow), "kernel.asc");

        // When and Then: the signed bytes verify, in small chunks too; one byte more does not
        Verify(signature, keys, content, chunk: 7);
        Assert.Throws<ReleaseSignatureException>(() => Verify(signature, keys, [.. content, 0]));
        Assert.Equal([signer.Fingerprint], keys.Fingerprints);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "expected an armored OpenPGP signature starting with -----BEGIN PGP SIGNATURE-----, got '<script>alert(1)</script>'")]
    [InlineData("", "expected an armored OpenPGP signature starting with -----BEGIN PGP SIGNATURE-----, got ''")]
    [InlineData("-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n", null)]
    public void Should_refuse_text_that_is_not_an_openpgp_signature(string asc, string? expected)
    {
        var error = Assert.Throws<ReleaseSignatureException>(() => ReleaseSignature.Parse(Encoding.ASCII.GetBytes(asc), "x.iso.asc"));

        Assert.StartsWith("x.iso.asc: not a detached OpenPGP signature: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        if (expected is not null)
        {
            Assert.Equal($"x.iso.asc: not a detached OpenPGP signature: {expected}", error.Message);
        }
    }

    [Fact]
    public void Should_refuse_a_public_key_block_served_as_a_signature()
    {
        // Given Alpine's key re-labelled as a signature, so the armor header matches
        var key = File.ReadAllText(Pgp("ncopa.asc")).Replace("PUBLIC KEY BLOCK", "SIGNATURE");

        var error = Assert.Throws<ReleaseSignatureException>(() => ReleaseSignature.Parse(Encoding.ASCII.GetBytes(key), "x.iso.asc"));

        Assert.StartsWith("x.iso.asc: not a detached OpenPGP signature: ", error.Message);
    }
}
