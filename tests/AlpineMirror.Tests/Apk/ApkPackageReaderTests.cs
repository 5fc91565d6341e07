using System.Security.Cryptography;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class ApkPackageReaderTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-read-");
    private readonly SigningKey _key = SigningKey.Create("builder@example.org");

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }

    private static PackageSpec Spec(string name, string arch = "x86_64") => new()
    {
        Name = name,
        Version = "1.0-r0",
        Arch = arch,
        Description = $"The {name} package",
        Url = "https://example.org/",
        License = "MIT",
        Maintainer = "Jane Doe <jane@example.org>",
        Commit = "0123456789abcdef0123456789abcdef01234567",
        BuildTime = 1700000000,
        ProviderPriority = 5,
        Depends = ["busybox", "so:libc.musl-x86_64.so.1"],
        Provides = [$"cmd:{name}=1.0-r0"],
        InstallIf = ["base", "docs"],
        Files = [PackageFile.Text($"usr/share/{name}/README", $"{name}\n")],
    };

    [Fact]
    public void Should_read_the_real_strace_package_into_the_record_of_the_real_alpine_index()
    {
        // Given the real strace-5.17-r0.apk and the real v3.16 index that lists it
        var apk = Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk");
        var realIndex = RawGzipMembers.Split(File.ReadAllBytes(Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz")))[1];
        var realText = ExternalCommand.Require("tar", ["-xzOf", "-", "APKINDEX"], realIndex).OutputText;
        var realRecord = realText.Split("\n\n").Single(record => record.Contains("\nP:strace\n")) + "\n\n";

        // When the package is read and written into an index of our own
        var entry = ApkPackageReader.ReadIndexEntry(apk);
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, [entry], "test");

        // Then our record is byte for byte the one apk-tools wrote
        var ourText = ExternalCommand.Require("tar", ["-xzOf", "-", "APKINDEX"], RawGzipMembers.Split(File.ReadAllBytes(index))[1]).OutputText;
        Assert.Equal(realRecord, ourText);
        Assert.Equal(("Q18y9jy9MgtvQFXTntDQ3if2axAkk=", 521102L), (entry.Checksum, entry.Size));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_read_back_the_entry_the_builder_returned(bool signed)
    {
        // Given a package written by the builder
        var package = new ApkPackageBuilder(signed ? _key : null).Build(Spec("hello"));
        var path = package.WriteTo(_directory.FullName);

        // When it is read from disk
        var entry = ApkPackageReader.ReadIndexEntry(path);

        // Then every index field matches
        Assert.Equal(EntryFields.Of(package.Entry), EntryFields.Of(entry));
    }

    [Fact]
    public void Should_refuse_a_package_whose_data_does_not_match_its_datahash()
    {
        // Given a package whose last data byte (inside the gzip trailer) was changed
        var package = new ApkPackageBuilder(_key).Build(Spec("hello"));
        var path = package.WriteTo(_directory.FullName);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        // When it is read
        var error = Assert.Throws<ChecksumMismatchException>(() => ApkPackageReader.ReadIndexEntry(path));

        // Then the datahash mismatch names the file and both values
        Assert.Equal(("datahash", package.DataHash, path), (error.Field, error.Expected, error.Source));
    }

    [Theory]
    [InlineData(nameof(OversizedControl.Inflating), "gzip member at offset 0: decompresses to more than 16777216 bytes")]
    [InlineData(nameof(OversizedControl.Unending), "no complete control member in the first 16777216 bytes")]
    public void Should_refuse_a_control_member_past_the_cap(string kind, string expected)
    {
        // Given a package whose control member inflates past the cap, or does not end within it
        var path = Path.Combine(_directory.FullName, "oversized.apk");
        File.WriteAllBytes(path, kind == nameof(OversizedControl.Inflating) ? OversizedControl.Inflating() : OversizedControl.Unending());

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => ApkPackageReader.ReadIndexEntry(path));

        // Then one line names the file and the cap
        Assert.Equal($"{path}: {expected}", error.Message);
    }

    [Fact]
    public void Should_refuse_a_file_that_is_not_a_package()
    {
        var path = Path.Combine(_directory.FullName, "notes.apk");
        File.WriteAllText(path, "not gzip at all");

        var error = Assert.Throws<ApkFormatException>(() => ApkPackageReader.ReadIndexEntry(path));

        Assert.Equal(path, error.Source);
    }

    [Fact]
    public void Should_read_a_package_whose_control_member_lies_beyond_the_first_read()
    {
        // Given a package whose control member, full of hex digests that hardly compress, is far beyond the reader's first 64 KiB
        var many = Enumerable.Range(0, 10000)
            .Select(i => $"so:lib{Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)))}.so.1").ToArray();
        var package = new ApkPackageBuilder(_key).Build(Spec("big") with { Depends = many });
        var path = package.WriteTo(_directory.FullName);
        Assert.True(RawGzipMembers.Split(File.ReadAllBytes(path))[1].Length > 4 * 64 * 1024);

        // When it is read
        var entry = ApkPackageReader.ReadIndexEntry(path);

        // Then it is complete
        Assert.Equal(EntryFields.Of(package.Entry), EntryFields.Of(entry));
    }

    [Fact]
    public async Task Should_index_a_folder_of_packages_that_the_reader_and_verifier_then_accept()
    {
        // Given a folder with two arch packages and a noarch one, and a keys folder
        var builder = new ApkPackageBuilder(_key);
        foreach (var spec in new[] { Spec("musl"), Spec("busybox"), Spec("alpine-baselayout-data", "noarch") })
        {
            builder.Build(spec).WriteTo(_directory.FullName);
        }

        using var keys = TrustedKeys.Load(Path.GetDirectoryName(_key.WritePublicKey(_directory.CreateSubdirectory("keys").FullName))!);

        // When the folder is indexed with the repository's arch, as abuild does
        var written = new RepositoryWriter(_key).WriteIndexOfDirectory(_directory.FullName, "in-house", rewriteArch: "x86_64");

        // Then the index verifies, lists all three under x86_64, and every package verifies against its record
        var index = ApkIndexReader.Read(Path.Combine(_directory.FullName, "APKINDEX.tar.gz"), keys);
        Assert.Equal(["alpine-baselayout-data", "busybox", "musl"], index.Entries.Select(entry => entry.Name));
        Assert.All(index.Entries, entry => Assert.Equal("x86_64", entry.Arch));
        Assert.Equal(written.Select(EntryFields.Of).Order(), index.Entries.Select(EntryFields.Of).Order());
        foreach (var entry in index.Entries)
        {
            await using var file = File.OpenRead(Path.Combine(_directory.FullName, entry.FileName));
            await PackageVerifier.VerifyAsync(file, entry, entry.FileName, CancellationToken.None);
        }
    }

    [Fact]
    public void Should_refuse_to_index_a_package_not_named_after_its_pkginfo()
    {
        // Given a package saved under another name
        var package = new ApkPackageBuilder(_key).Build(Spec("hello"));
        File.WriteAllBytes(Path.Combine(_directory.FullName, "hello-latest.apk"), package.Content.ToArray());

        // When the folder is indexed
        var error = Assert.Throws<ApkFormatException>(
            () => new RepositoryWriter(_key).WriteIndexOfDirectory(_directory.FullName, "in-house"));

        // Then the error names the file and the expected name, and no index is written
        Assert.Contains("expected hello-1.0-r0.apk", error.Message);
        Assert.False(File.Exists(Path.Combine(_directory.FullName, "APKINDEX.tar.gz")));
    }

    [Fact]
    public void Should_require_the_package_signature_of_a_trusted_key_when_asked_to()
    {
        // Given the real strace package, signed by Alpine's 6165ee59 key, and a package of ours without a signature
        var strace = Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk");
        var unsigned = new ApkPackageBuilder(null).Build(Spec("hello")).WriteTo(_directory.FullName);
        using var alpine = TrustedKeys.Load(Fixtures.AlpineKeys);
        using var other = TrustedKeys.With(null, _key.KeyName, _key.ExportPublicKeyPem());

        // When each is read requiring a trusted signature
        var entry = ApkPackageReader.ReadSignedIndexEntry(strace, alpine);
        var untrusted = Assert.Throws<SignatureException>(() => ApkPackageReader.ReadSignedIndexEntry(strace, other));
        var missing = Assert.Throws<SignatureException>(() => ApkPackageReader.ReadSignedIndexEntry(unsigned, alpine));

        // Then Alpine's key verifies strace, another key does not, and an unsigned package is refused
        Assert.Equal("Q18y9jy9MgtvQFXTntDQ3if2axAkk=", entry.Checksum);
        Assert.Contains(".SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub (key not trusted)", untrusted.Message);
        Assert.Equal($"{unsigned}: not signed: no .SIGN.* entry", missing.Message);
    }
}
