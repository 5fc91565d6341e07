using AlpineMirror.Apk;
using AlpineMirror.Tests.Support;

namespace AlpineMirror.Tests.InHouse;

/// <summary>Bad input, each refused with one line naming the file and the reason, while the published repository stays as it was.</summary>
public sealed class InHouseRefusalTests : IDisposable
{
    private readonly InHouseTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private string Strace => Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk");

    // Each case leaves one bad thing for the run and returns the file or option the error must name and the reason it must give.
    private (string Names, string Reason) Arrange(string @case)
    {
        switch (@case)
        {
            case "unsigned":
                return (_bed.DropFixture("", "extra", "chainguard-dev__go-apk", "pkg", "apk", "testdata", "hello-0.1.0-r0.apk"), "not signed: no .SIGN.* entry");
            case "unknown signer":
                using (var stranger = SigningKey.Create("stranger@example.org"))
                {
                    return (_bed.Drop("intruder", "1.0-r0", key: stranger), "(key not trusted)");
                }

            case "flipped byte":
                var flipped = _bed.DropFixture("", "alpine-v3.16-main-x86_64", "strace-5.17-r0.apk");
                var bytes = File.ReadAllBytes(flipped);
                bytes[300_000] ^= 0x01;
                File.WriteAllBytes(flipped, bytes);
                return (flipped, "datahash: expected b8389f19");
            case "flipped byte in the signed control member":
                var control = _bed.DropFixture("", "alpine-v3.16-main-x86_64", "strace-5.17-r0.apk");
                var signedBytes = File.ReadAllBytes(control);
                signedBytes[1000] ^= 0x01;
                File.WriteAllBytes(control, signedBytes);
                return (control, "gzip member at offset 666");
            case "truncated":
                var truncated = Path.Combine(_bed.Incoming, "strace-5.17-r0.apk");
                File.WriteAllBytes(truncated, File.ReadAllBytes(Strace)[..1000]);
                return (truncated, "truncated");
            case "pkgname with a slash":
                var slash = Path.Combine(_bed.Incoming, "evil.apk");
                File.WriteAllBytes(slash, InHouseTestBed.Hostile(_bed.Builder, "../../etc/cron.d/evil", "1.0-r0", "x86_64"));
                return (slash, "pkgname: expected [a-zA-Z0-9][a-zA-Z0-9.+_-]* without '..', got '../../etc/cron.d/evil'");
            case "pkgname ..":
                var dots = Path.Combine(_bed.Incoming, "dots.apk");
                File.WriteAllBytes(dots, InHouseTestBed.Hostile(_bed.Builder, "a..b", "1.0-r0", "x86_64"));
                return (dots, "got 'a..b'");
            case "pkgver with a slash":
                var version = Path.Combine(_bed.Incoming, "version.apk");
                File.WriteAllBytes(version, InHouseTestBed.Hostile(_bed.Builder, "tool", "1.0/../../x", "x86_64"));
                return (version, "tool pkgver: expected an apk version such as 1.2.3-r0, got '1.0/../../x'");
            case "arch not configured":
                return (_bed.Drop("tool", "1.0-r0", "armv7"), "tool-1.0-r0.apk arch: expected x86_64, aarch64 (--arch) or noarch, got 'armv7'");
            case "arch of another folder":
                return (_bed.Drop("tool", "1.0-r0", "x86_64", folder: "aarch64"), "arch: expected aarch64 (its folder) or noarch, got 'x86_64'");
            case "same name and version, different bytes":
                _bed.Drop("tool", "1.0-r0", content: "first build");
                return (_bed.Drop("tool", "1.0-r0", folder: "x86_64", content: "second build"), "tool-1.0-r0: C: expected");
            case "same name and version as published, different bytes":
                return (_bed.Drop("controller", "2.4.0-r0", folder: "x86_64", content: "rebuilt"), "a new build needs a new version or -r revision");
            case "world-readable private key":
                File.SetUnixFileMode(_bed.PrivateKey, (UnixFileMode)0b110_100_100);
                _bed.Drop("tool", "1.0-r0");
                return (_bed.PrivateKey, "private key: expected no access for other users (chmod 600), got mode 0644");
            case "missing drop folder":
                Directory.Delete(_bed.Incoming, recursive: true);
                return (_bed.Incoming, "drop folder (--inhouse-incoming): not found");
            default:
                throw new ArgumentOutOfRangeException(nameof(@case), @case, null);
        }
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("unknown signer")]
    [InlineData("flipped byte")]
    [InlineData("flipped byte in the signed control member")]
    [InlineData("truncated")]
    [InlineData("pkgname with a slash")]
    [InlineData("pkgname ..")]
    [InlineData("pkgver with a slash")]
    [InlineData("arch not configured")]
    [InlineData("arch of another folder")]
    [InlineData("same name and version, different bytes")]
    [InlineData("same name and version as published, different bytes")]
    [InlineData("world-readable private key")]
    [InlineData("missing drop folder")]
    public async Task Should_refuse_bad_input_with_one_line_and_publish_nothing(string @case)
    {
        // Given a published repository and, beside a good new package, one bad thing
        _bed.Drop("controller", "2.4.0-r0");
        await _bed.Feed().UpdateAsync(CancellationToken.None);
        _bed.Drop("controller", "2.4.1-r0");
        var before = _bed.RepositoryDigest();
        var (names, reason) = Arrange(@case);

        // When the in-house repository is updated
        var error = await Assert.ThrowsAnyAsync<AlpineMirrorException>(() => _bed.Feed().UpdateAsync(CancellationToken.None));

        // Then one line names the file and the reason, and not even the good package was published
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith(names + ": ", error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Equal(before, _bed.RepositoryDigest());
        Assert.Equal(["controller-2.4.0-r0.apk"], _bed.Listed("x86_64"));
    }

    [Fact]
    public async Task Should_exit_3_with_one_error_line_when_the_host_meets_a_bad_package()
    {
        // Given an unsigned package in the drop folder
        _bed.DropFixture("", "extra", "chainguard-dev__go-apk", "pkg", "apk", "testdata", "hello-0.1.0-r0.apk");

        // When the InHouse target runs through the real host
        var run = await InProcessHost.RunAsync(
        [
            "--target=InHouse", $"--root={_bed.Root.Path}", "--arch=x86_64,aarch64", $"--inhouse-key={_bed.PrivateKey}",
            $"--inhouse-incoming={_bed.Incoming}", $"--inhouse-keys={_bed.BuilderKeys}",
        ]);

        // Then it fails as a verification failure, naming the file in its one line, and publishes nothing
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("hello-0.1.0-r0.apk: not signed", run.SingleErrorLine());
        Assert.False(Directory.Exists(_bed.Repository.ArchPath("x86_64")));
    }
}
