using AlpineMirror.ClamAv;

namespace AlpineMirror.Tests.ClamAv;

public sealed class SignFileVerifierTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("sign-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Theory]
    [InlineData("test-6.cvd")]
    [InlineData("test-1.cvd")]
    [InlineData("test-4.cdiff")]
    public void Should_verify_the_fixtures_signatures_against_ClamAVs_test_root(string signed)
    {
        var verifier = SignFileVerifier.FromDirectory(ClamAvFixtures.TestCertificates(_scratch));

        verifier.Verify(ClamAvFixtures.File(signed + ".sign"), ClamAvFixtures.File(signed), signed + ".sign");

        Assert.True(verifier.ChecksSignatures);
    }

    [Fact]
    public void Should_refuse_a_sign_file_of_another_file()
    {
        var verifier = SignFileVerifier.FromDirectory(ClamAvFixtures.TestCertificates(_scratch));

        var error = Assert.Throws<ClamAvFormatException>(
            () => verifier.Verify(ClamAvFixtures.File("test-5.cvd.sign"), ClamAvFixtures.File("test-6.cvd"), "test-6.cvd.sign"));

        Assert.StartsWith("test-6.cvd.sign: no signature verifies test-6.cvd against the CA folder", error.Message);
    }

    [Fact]
    public void Should_refuse_a_signature_that_does_not_chain_to_the_configured_root()
    {
        var production = Directory.CreateDirectory(Path.Combine(_scratch, "production")).FullName;
        File.Copy(ClamAvFixtures.File("clamav.crt"), Path.Combine(production, "clamav.crt"));
        var verifier = SignFileVerifier.FromDirectory(production);

        var error = Assert.Throws<ClamAvFormatException>(
            () => verifier.Verify(ClamAvFixtures.File("test-6.cvd.sign"), ClamAvFixtures.File("test-6.cvd"), "test-6.cvd.sign"));

        Assert.Contains("ClamAV TEST CVD Signing Cert", error.Message);
    }

    [Fact]
    public void Should_refuse_a_file_that_is_not_a_sign_file()
    {
        var error = Assert.Throws<ClamAvFormatException>(
            () => SignFileVerifier.FormatOnly.Verify(ClamAvFixtures.File("test-6.cdiff"), ClamAvFixtures.File("test-6.cvd"), "test-6.cvd.sign"));

        Assert.StartsWith("test-6.cvd.sign: expected '#clamsign-1.0'", error.Message);
    }

    [Fact]
    public void Should_refuse_a_certificate_folder_without_certificates()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_scratch, "empty")).FullName;

        var error = Assert.Throws<ClamAvCertificatesException>(() => SignFileVerifier.FromDirectory(empty));

        Assert.EndsWith("expected CA certificates (.crt, PEM or DER), found none", error.Message);
    }
}
