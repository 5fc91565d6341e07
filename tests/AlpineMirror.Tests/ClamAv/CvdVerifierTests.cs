using AlpineMirror.ClamAv;

namespace AlpineMirror.Tests.ClamAv;

public sealed class CvdVerifierTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("cvd-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Theory]
    [InlineData("test-1.cvd", 1, 0)]
    [InlineData("test-6.cvd", 6, 14)]
    [InlineData("bytecode.cvd", 19, 3)]
    public void Should_verify_ClamAVs_real_databases(string name, int version, int signatures)
    {
        var header = CvdVerifier.Verify(ClamAvFixtures.File(name), name);

        Assert.Equal(version, header.Version);
        Assert.Equal(signatures, header.Signatures);
    }

    [Fact]
    public void Should_refuse_a_flipped_byte_in_the_body()
    {
        var path = ClamAvFixtures.Flipped(_scratch, "test-6.cvd", 2000);

        var error = Assert.Throws<ClamAvFormatException>(() => CvdVerifier.Verify(path, "test.cvd"));

        Assert.StartsWith("test.cvd: md5: the header says 3e249e00076b0b15bb54ced37be880c7", error.Message);
    }

    [Theory]
    [InlineData(35)] // the version, "...-0400:6:14:81:..."
    [InlineData(40)] // the functionality level
    [InlineData(50)] // inside the md5
    [InlineData(500)] // the padding
    public void Should_refuse_a_flipped_byte_in_the_header(int offset)
    {
        var path = ClamAvFixtures.Flipped(_scratch, "test-6.cvd", offset);

        var error = Assert.Throws<ClamAvFormatException>(() => CvdVerifier.Verify(path, "test.cvd"));

        Assert.Contains($"header: expected printable ASCII, got byte 0x", error.Message);
        Assert.EndsWith($"at offset {offset}", error.Message);
    }

    [Fact]
    public void Should_refuse_a_damaged_signature()
    {
        var header = File.ReadAllText(ClamAvFixtures.File("test-6.cvd"))[..512];
        var dsigAt = header.IndexOf(":Dou6", StringComparison.Ordinal) + 3;
        var bytes = File.ReadAllBytes(ClamAvFixtures.File("test-6.cvd"));
        bytes[dsigAt] = (byte)(bytes[dsigAt] == 'u' ? 'v' : 'u');
        var path = Path.Combine(_scratch, "test.cvd");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<ClamAvFormatException>(() => CvdVerifier.Verify(path, "test.cvd"));

        Assert.Equal("test.cvd: dsig: does not verify with ClamAV's CVD key for md5 3e249e00076b0b15bb54ced37be880c7", error.Message);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(512)]
    [InlineData(9000)]
    public void Should_refuse_a_truncated_database(int length)
    {
        var path = Path.Combine(_scratch, "test.cvd");
        File.WriteAllBytes(path, File.ReadAllBytes(ClamAvFixtures.File("test-6.cvd"))[..length]);

        Assert.Throws<ClamAvFormatException>(() => CvdVerifier.Verify(path, "test.cvd"));
    }
}
