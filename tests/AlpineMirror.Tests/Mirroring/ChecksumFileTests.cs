using System.Text;
using AlpineMirror.Apk;
using AlpineMirror.Mirroring;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.Mirroring;

public sealed class ChecksumFileTests
{
    private const string Image = "alpine-virt-3.13.5-x86.iso";

    // The sha256 of alpine-virt-3.13.5-x86.iso in the real v3.13 latest-releases.yaml (fixtures/releases).
    private const string Sha256 = "cf7ca3ae1459a2b8e973decd74ae939e70d09e14fdeb8edc6c064d7d27e4ea83";

    [Theory]
    [InlineData($"{Sha256}  {Image}\n")]
    [InlineData($"{Sha256}  {Image}")]
    [InlineData($"{Sha256} *{Image}\n")]
    [InlineData("CF7CA3AE1459A2B8E973DECD74AE939E70D09E14FDEB8EDC6C064D7D27E4EA83  " + Image + "\r\n")]
    public void Should_accept_what_sha256sum_writes(string content)
    {
        ChecksumFile.Check(Encoding.UTF8.GetBytes(content), Image + ".sha256", "sha256", Sha256, Image);
    }

    [Fact]
    public void Should_refuse_another_digest_naming_field_expected_and_actual()
    {
        var other = new string('a', 64);

        var error = Assert.Throws<ChecksumMismatchException>(() =>
            ChecksumFile.Check(Encoding.UTF8.GetBytes($"{other}  {Image}\n"), "releases/x86/" + Image + ".sha256", "sha256", Sha256, Image));

        Assert.Equal($"releases/x86/{Image}.sha256: sha256: expected {Sha256}, got {other}", error.Message);
    }

    [Fact]
    public void Should_refuse_a_digest_of_another_file()
    {
        var error = Assert.Throws<ChecksumMismatchException>(() =>
            ChecksumFile.Check(Encoding.UTF8.GetBytes($"{Sha256}  alpine-standard-3.13.5-x86.iso\n"), "x.sha256", "sha256", Sha256, Image));

        Assert.Equal("file name", error.Field);
        Assert.Equal("alpine-standard-3.13.5-x86.iso", error.Actual);
    }

    [Theory]
    [InlineData("<html>404 Not Found</html>", "expected \"<hex>  ")]
    [InlineData($"{Sha256}  {Image}\n{Sha256}  {Image}\n", "got several lines")]
    [InlineData($"{Sha256}{Image}", "expected \"<hex>  ")]
    [InlineData("cf7c  " + Image, "expected 64 hex digits, got 'cf7c'")]
    public void Should_refuse_what_is_not_one_checksum_line(string content, string expected)
    {
        var error = Assert.Throws<ReleaseFormatException>(() =>
            ChecksumFile.Check(Encoding.UTF8.GetBytes(content), "x.sha256", "sha256", Sha256, Image));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Should_expect_128_digits_for_sha512()
    {
        var error = Assert.Throws<ReleaseFormatException>(() =>
            ChecksumFile.Check(Encoding.UTF8.GetBytes($"{Sha256}  {Image}"), "x.sha512", "sha512", new string('0', 128), Image));

        Assert.Contains("sha512 file: expected 128 hex digits", error.Message);
    }
}
