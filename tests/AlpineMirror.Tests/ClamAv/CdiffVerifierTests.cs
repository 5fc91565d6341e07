using AlpineMirror.ClamAv;

namespace AlpineMirror.Tests.ClamAv;

public sealed class CdiffVerifierTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("cdiff-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Should_verify_ClamAVs_real_patches(int version)
    {
        Assert.Equal(version, CdiffVerifier.Verify(ClamAvFixtures.File($"test-{version}.cdiff"), "test.cdiff"));
    }

    [Theory]
    [InlineData(300)] // the compressed script
    [InlineData(-10)] // the signature
    [InlineData(12)] // the version in the header
    public void Should_refuse_a_flipped_byte(long offset)
    {
        var path = ClamAvFixtures.Flipped(_scratch, "test-6.cdiff", offset);

        var error = Assert.Throws<ClamAvFormatException>(() => CdiffVerifier.Verify(path, "test-6.cdiff"));

        Assert.StartsWith("test-6.cdiff: ", error.Message);
    }

    [Theory]
    [InlineData(900)]
    [InlineData(400)]
    [InlineData(5)]
    public void Should_refuse_a_truncated_patch(int length)
    {
        var path = Path.Combine(_scratch, "test-6.cdiff");
        File.WriteAllBytes(path, File.ReadAllBytes(ClamAvFixtures.File("test-6.cdiff"))[..length]);

        Assert.Throws<ClamAvFormatException>(() => CdiffVerifier.Verify(path, "test-6.cdiff"));
    }
}
