using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class PackageVerifierTests
{
    private const string ApkoPackages = "extra/chainguard-dev__apko/internal/cli/testdata/packages";

    // strace-5.17-r0.apk: signature member [0, 666), control [666, 1261), data [1261, 521102).
    private const int ControlStart = 666;
    private const int DataStart = 1261;

    private static readonly Lazy<ApkIndexEntry> StraceEntry = new(() =>
    {
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var index = ApkIndexReader.Read(Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"), keys);
        return index.Entries.Single(e => e.Name == "strace");
    });

    private static byte[] Strace => File.ReadAllBytes(Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk"));

    [Fact]
    public async Task Should_verify_strace_against_its_entry_in_the_signed_v3_16_index()
    {
        // Given the real strace package and its record from the verified real index
        await using var package = File.OpenRead(Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk"));

        // When it is verified
        // Then S, C, datahash, pkgname and pkgver all match (no exception)
        await PackageVerifier.VerifyAsync(package, StraceEntry.Value, "strace-5.17-r0.apk", CancellationToken.None);
    }

    [Fact]
    public async Task Should_verify_curl_against_the_plain_text_excerpt()
    {
        // Given the real curl package and the excerpt listing it
        var path = Fixtures.Path("packages", "APKINDEX.excerpt");
        using var reader = File.OpenText(path);
        var curl = ApkIndexParser.Parse(reader, path).Single(e => e.Name == "curl");
        await using var package = File.OpenRead(Fixtures.Path("packages", "curl-7.83.1-r1.apk"));

        // When it is verified
        // Then it matches
        await PackageVerifier.VerifyAsync(package, curl, "curl-7.83.1-r1.apk", CancellationToken.None);
    }

    [Fact]
    public async Task Should_verify_alpine_baselayout_against_the_rsa256_signed_index()
    {
        // Given the rsa256-signed index, verified with its own key, and the package it lists
        var keysFolder = Directory.CreateTempSubdirectory("alpinemirror-rsa256-");
        try
        {
            File.Copy(Fixtures.Path("rsa256-signed", "test-rsa256.rsa.pub"), Path.Combine(keysFolder.FullName, "test-rsa256.rsa.pub"));
            using var keys = TrustedKeys.Load(keysFolder.FullName);
            var entry = Assert.Single(ApkIndexReader.Read(Fixtures.Path("rsa256-signed", "APKINDEX.tar.gz"), keys).Entries);
            await using var package = File.OpenRead(Fixtures.Path("rsa256-signed", entry.FileName));

            // When the package is verified
            // Then it matches its entry
            await PackageVerifier.VerifyAsync(package, entry, entry.FileName, CancellationToken.None);
        }
        finally
        {
            keysFolder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Should_verify_every_melange_built_package_against_its_index()
    {
        // Given apko's melange-built repository: four RSA256-signed packages and their signed index
        var keysFolder = Directory.CreateTempSubdirectory("alpinemirror-melange-");
        try
        {
            File.Copy(Fixtures.Path(ApkoPackages, "melange.rsa.pub"), Path.Combine(keysFolder.FullName, "melange.rsa.pub"));
            using var keys = TrustedKeys.Load(keysFolder.FullName);
            var index = ApkIndexReader.Read(Fixtures.Path(ApkoPackages, "x86_64", "APKINDEX.tar.gz"), keys);

            // When each package is verified
            // Then all four match
            Assert.Equal(4, index.Entries.Count);
            foreach (var entry in index.Entries)
            {
                await using var package = File.OpenRead(Fixtures.Path(ApkoPackages, "x86_64", entry.FileName));
                await PackageVerifier.VerifyAsync(package, entry, entry.FileName, CancellationToken.None);
            }
        }
        finally
        {
            keysFolder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(665)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Should_verify_the_same_package_whatever_the_download_chunk_size(int chunkSize)
    {
        // Given strace arriving in chunks of one size
        var package = Strace;
        using var verifier = new PackageVerifier(StraceEntry.Value, "strace");

        // When each chunk is appended and the download completes
        for (var offset = 0; offset < package.Length; offset += chunkSize)
        {
            verifier.Append(package.AsSpan(offset, Math.Min(chunkSize, package.Length - offset)));
        }

        // Then it verifies
        verifier.Complete();
    }

    [Fact]
    public void Should_verify_a_good_package_after_a_corrupt_one_on_the_same_thread()
    {
        // Given a verification that failed inside the signature member's deflate data (the inflater is reused per thread)
        var corrupt = Strace;
        for (var offset = 40; offset < 200; offset++)
        {
            corrupt[offset] ^= 0x5A;
        }

        using (var broken = new PackageVerifier(StraceEntry.Value, "strace-corrupt"))
        {
            Assert.ThrowsAny<AlpineMirrorException>(() => broken.Append(corrupt));
        }

        // When the intact package is verified next, on the same thread
        using var verifier = new PackageVerifier(StraceEntry.Value, "strace");
        verifier.Append(Strace);

        // Then it matches: nothing of the failed run was left behind
        verifier.Complete();
    }

    [Fact]
    public async Task Should_verify_the_real_strace_signature_with_alpines_real_keys()
    {
        // Given Alpine's keys as --keys, When strace streams through a verifier holding them, Then it verifies
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        using var verifier = new PackageVerifier(StraceEntry.Value, "strace-5.17-r0.apk", keys);
        foreach (var chunk in Strace.Chunk(97))
        {
            verifier.Append(chunk);
        }

        verifier.Complete();
        await Task.CompletedTask;
    }

    [Fact]
    public void Should_refuse_strace_whose_signature_member_was_replaced_at_the_same_size()
    {
        // Given strace with its signature member re-signed by another key under Alpine's key name, padded to 666 bytes
        var forged = ForgedSignatureMember.Replace(Strace);
        Assert.Equal(Strace.Length, forged.Length);
        Assert.Equal(Strace[ControlStart..], forged[ControlStart..]);
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);

        // When verified without and with the trusted keys
        using (var indexOnly = new PackageVerifier(StraceEntry.Value, "strace"))
        {
            indexOnly.Append(forged);
            indexOnly.Complete();
        }

        using var verifier = new PackageVerifier(StraceEntry.Value, "strace", keys);
        var error = Assert.Throws<SignatureException>(() => verifier.Append(forged));

        // Then S:, C: and datahash alone cannot tell, the package signature does: one line naming the entry and the keys
        Assert.StartsWith("strace: no trusted signature verifies: .SIGN.RSA.alpine-devel@lists.alpinelinux.org-", error.Message);
        Assert.EndsWith($".rsa.pub (does not verify with the trusted key); trusted keys are in {Fixtures.AlpineKeys}", error.Message);
    }

    [Fact]
    public void Should_refuse_an_unsigned_package_when_keys_are_given()
    {
        var unsigned = Strace[ControlStart..];
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        using var verifier = new PackageVerifier(StraceEntry.Value with { Size = unsigned.Length }, "strace-unsigned", keys);

        var error = Assert.Throws<SignatureException>(() =>
        {
            verifier.Append(unsigned);
            verifier.Complete();
        });

        Assert.Equal("strace-unsigned: not signed: no .SIGN.* entry", error.Message);
    }

    [Fact]
    public void Should_verify_two_packages_fed_in_turns_on_one_thread()
    {
        // Given strace and the unsigned copy of it, each arriving in small chunks, interleaved
        var signed = Strace;
        var unsigned = Strace[ControlStart..];
        using var first = new PackageVerifier(StraceEntry.Value, "strace");
        using var second = new PackageVerifier(StraceEntry.Value with { Size = unsigned.Length }, "strace-unsigned");

        // When the chunks are appended in turns
        for (var offset = 0; offset < signed.Length; offset += 97)
        {
            first.Append(signed.AsSpan(offset, Math.Min(97, signed.Length - offset)));
            if (offset < unsigned.Length)
            {
                second.Append(unsigned.AsSpan(offset, Math.Min(97, unsigned.Length - offset)));
            }
        }

        // Then each verifies: the head each buffered is its own
        first.Complete();
        second.Complete();
    }

    [Fact]
    public void Should_verify_an_unsigned_package_whose_first_member_is_the_control_member()
    {
        // Given strace with its signature member removed: C: and datahash still hold, only S: shrinks
        var unsigned = Strace[ControlStart..];
        var entry = StraceEntry.Value with { Size = unsigned.Length };
        using var verifier = new PackageVerifier(entry, "strace-unsigned");

        // When it is verified
        verifier.Append(unsigned);

        // Then it matches
        verifier.Complete();
    }

    [Theory]
    [InlineData(ControlStart + 4, "C")]
    [InlineData(700, "C")]
    [InlineData(1000, "C")]
    [InlineData(DataStart - 3, "C")]
    [InlineData(DataStart + 4, "datahash")]
    [InlineData(200_000, "datahash")]
    [InlineData(521_101, "datahash")]
    public async Task Should_refuse_a_package_with_one_byte_changed_naming_the_field(int offset, string field)
    {
        // Given strace with one bit flipped in the control member (gzip header, deflate data, trailer) or in the data
        var package = Strace;
        package[offset] ^= 0x01;

        // When it is verified
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(
            () => PackageVerifier.VerifyAsync(new MemoryStream(package), StraceEntry.Value, "strace", CancellationToken.None));

        // Then the field whose digest no longer matches is named, with the expected value
        Assert.Equal(field, error.Field);
        Assert.Equal(field == "C" ? "Q18y9jy9MgtvQFXTntDQ3if2axAkk=" : "b8389f19f4d84d176cd283942ef976c6d3e76fa996fd1aee6dc330dc304d9989", error.Expected);
        Assert.StartsWith($"strace: {field}: expected {error.Expected}, got ", error.Message);
    }

    [Fact]
    public void Should_refuse_a_changed_control_member_before_the_data_arrives()
    {
        // Given strace's signature and control members, with the control member's modification time changed
        var package = Strace;
        package[ControlStart + 4] ^= 0x01;
        using var verifier = new PackageVerifier(StraceEntry.Value, "strace");

        // When only the first 64 KiB arrive
        var error = Assert.Throws<ChecksumMismatchException>(() => verifier.Append(package.AsSpan(0, 65536)));

        // Then C: is refused at once, with the digest actually found
        Assert.Equal("C", error.Field);
        Assert.StartsWith("Q1", error.Actual);
        Assert.NotEqual(error.Expected, error.Actual);
    }

    [Fact]
    public async Task Should_refuse_a_truncated_download_by_size()
    {
        // Given the first 300,000 bytes of strace
        var truncated = Strace[..300_000];

        // When it is verified
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(
            () => PackageVerifier.VerifyAsync(new MemoryStream(truncated), StraceEntry.Value, "http://127.0.0.1/strace-5.17-r0.apk", CancellationToken.None));

        // Then the size is named
        Assert.Equal("http://127.0.0.1/strace-5.17-r0.apk: S: expected 521102, got 300000", error.Message);
    }

    [Fact]
    public void Should_refuse_a_download_longer_than_its_size_as_soon_as_it_overflows()
    {
        // Given strace followed by one more byte
        using var verifier = new PackageVerifier(StraceEntry.Value, "strace");
        verifier.Append(Strace);

        // When the extra byte arrives
        var error = Assert.Throws<ChecksumMismatchException>(() => verifier.Append([0]));

        // Then it is refused without waiting for the end
        Assert.Equal("strace: S: expected 521102, got more than 521102 bytes", error.Message);
    }

    [Fact]
    public async Task Should_refuse_a_package_whose_pkginfo_names_another_package()
    {
        // Given strace checked against an entry with the same C: but another name
        var entry = StraceEntry.Value with { Name = "strace-doc" };

        // When it is verified
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(
            () => PackageVerifier.VerifyAsync(new MemoryStream(Strace), entry, "strace", CancellationToken.None));

        // Then the name mismatch is reported
        Assert.Equal("strace: P: expected strace-doc, got pkgname strace", error.Message);
    }

    [Fact]
    public async Task Should_refuse_a_package_whose_pkginfo_has_another_version()
    {
        // Given strace checked against an entry with the same C: but another version
        var entry = StraceEntry.Value with { Version = "5.17-r1" };

        // When it is verified
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(
            () => PackageVerifier.VerifyAsync(new MemoryStream(Strace), entry, "strace", CancellationToken.None));

        // Then the version mismatch is reported
        Assert.Equal("strace: V: expected 5.17-r1, got pkgver 5.17-r0", error.Message);
    }

    [Fact]
    public void Should_verify_a_legacy_package_without_datahash_over_control_and_data()
    {
        // Given a package whose .PKGINFO has no datahash, so C: is the SHA-1 of control and data together
        var (package, entry) = LegacyPackage();
        using var verifier = new PackageVerifier(entry, "legacy");

        // When it is verified
        verifier.Append(package);

        // Then it matches
        verifier.Complete();
    }

    [Fact]
    public void Should_refuse_a_legacy_package_with_changed_data_naming_c()
    {
        // Given that legacy package with its last byte changed
        var (package, entry) = LegacyPackage();
        package[^1] ^= 0x01;
        using var verifier = new PackageVerifier(entry, "legacy");
        verifier.Append(package);

        // When the download completes
        var error = Assert.Throws<ChecksumMismatchException>(verifier.Complete);

        // Then C: is named, since it covers the data of a legacy package
        Assert.Equal("C", error.Field);
    }

    [Fact]
    public void Should_refuse_an_entry_with_a_checksum_apk_does_not_understand()
    {
        // Given an entry with an MD5 identity
        var entry = StraceEntry.Value with { Checksum = "d41d8cd98f00b204e9800998ecf8427e" };

        // When a verifier is made for it
        var error = Assert.Throws<ApkFormatException>(() => new PackageVerifier(entry, "strace"));

        // Then the checksum is refused
        Assert.Equal("strace: C: MD5 identity \"d41d8cd98f00b204e9800998ecf8427e\" is not supported", error.Message);
    }

    [Fact]
    public void Should_refuse_a_control_member_that_inflates_past_the_cap()
    {
        // Given a package whose control member is a few KiB of gzip inflating to 17 MiB (control members hold a few KiB)
        var package = OversizedControl.Inflating();
        using var verifier = new PackageVerifier(StraceEntry.Value with { Size = package.Length }, "bomb.apk");

        // When it streams in
        var error = Assert.Throws<ApkFormatException>(() => verifier.Append(package));

        // Then it is refused at the cap, before the member is inflated whole
        Assert.Equal("bomb.apk: gzip member at offset 0: decompresses to more than 16777216 bytes", error.Message);
    }

    [Fact]
    public void Should_refuse_a_package_whose_control_member_does_not_end_within_the_cap()
    {
        // Given a package whose control member is 17 MiB of incompressible bytes: the first 16 MiB never complete it
        var package = OversizedControl.Unending();
        using var verifier = new PackageVerifier(StraceEntry.Value with { Size = package.Length }, "endless.apk");
        foreach (var chunk in package[..(16 << 20)].Chunk(64 * 1024))
        {
            verifier.Append(chunk);
        }

        // When one more KiB arrives
        var error = Assert.Throws<ApkFormatException>(() => verifier.Append(package.AsSpan(16 << 20, 1024)));

        // Then it is refused: the head may not grow past the cap
        Assert.Equal("endless.apk: no complete control member in the first 16777216 bytes", error.Message);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Should_read_a_pkginfo_whose_lines_end_as_TextReader_allows(string lineEnd)
    {
        // Given that legacy package with its .PKGINFO lines ended by CRLF, or by CR alone
        var pkginfo = System.Text.Encoding.UTF8.GetBytes(string.Join(lineEnd, "# Generated by abuild", "pkgname = hello", "pkgver = 1.0-r0", ""));
        var (package, entry) = LegacyPackage(pkginfo);
        using var verifier = new PackageVerifier(entry, "legacy");

        // When it is verified
        verifier.Append(package);

        // Then pkgname and pkgver were read and match the entry (a line read wrongly fails as "no pkgname" or a mismatch)
        verifier.Complete();
    }

    [Theory]
    [InlineData(2L << 20, ".PKGINFO: expected at most 1048576 bytes, the tar header says 2097152")]
    [InlineData(int.MaxValue + 1L, "malformed tar in the first gzip member: an entry's size runs past the end of the data")]
    public void Should_refuse_a_pkginfo_whose_tar_header_claims_more_than_it_may_hold(long claimed, string expected)
    {
        // Given that legacy package whose control tar says its .PKGINFO holds 2 MiB, or more than 2 GiB
        var control = HandMadeMembers.Tar(".PKGINFO", "pkgname = hello\npkgver = 1.0-r0\n"u8.ToArray(), cut: true);
        ClaimSize(control, claimed);
        var (package, entry) = LegacyPackage(control: control);
        // C: over the control member alone, as for a package with datahash: .PKGINFO is then read as trusted
        entry = entry with { Checksum = "Q1" + Convert.ToBase64String(SHA1.HashData(HandMadeMembers.Gzip(control))) };
        using var verifier = new PackageVerifier(entry, "claims.apk");

        // When it streams in
        var error = Assert.Throws<ApkFormatException>(() =>
        {
            verifier.Append(package);
            verifier.Complete();
        });

        // Then it is refused in one line, before any buffer of the claimed size is made
        Assert.Equal($"claims.apk: {expected}", error.Message);
    }

    // Writes a size into a tar header (octal, 11 digits) and its checksum, as a hostile packer could.
    private static void ClaimSize(byte[] tar, long size)
    {
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(tar, 124);
        "        "u8.CopyTo(tar.AsSpan(148));
        var checksum = tar.AsSpan(0, 512).ToArray().Sum(b => b);
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(checksum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, 148);
    }

    // A control member (.PKGINFO without datahash, tar cut) and a data member, as old abuild wrote them.
    private static (byte[] Package, ApkIndexEntry Entry) LegacyPackage(byte[]? pkginfo = null, byte[]? control = null)
    {
        pkginfo ??= "# Generated by abuild\npkgname = hello\npkgver = 1.0-r0\narch = x86_64\nsize = 6\n"u8.ToArray();
        control = HandMadeMembers.Gzip(control ?? HandMadeMembers.Tar(".PKGINFO", pkginfo, cut: true));
        var data = HandMadeMembers.Gzip(HandMadeMembers.Tar("usr/share/hello", "hello\n"u8.ToArray(), cut: false));
        byte[] package = [.. control, .. data];
        var entry = new ApkIndexEntry
        {
            Checksum = "Q1" + Convert.ToBase64String(SHA1.HashData(package)),
            Name = "hello",
            Version = "1.0-r0",
            Arch = "x86_64",
            Size = package.Length,
        };
        return (package, entry);
    }
}
