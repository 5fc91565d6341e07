using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class ApkIndexReaderTests : IDisposable
{
    private const string V316Signer = "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub";

    private const string ValidRecord = """
        C:Q18y9jy9MgtvQFXTntDQ3if2axAkk=
        P:strace
        V:5.17-r0
        A:x86_64
        S:521102

        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-index-reader-");
    private readonly SignedIndexFactory _factory = new();

    public void Dispose()
    {
        _factory.Dispose();
        _directory.Delete(recursive: true);
    }

    public static TheoryData<string, string, int, string, string, string?> SignedIndexes => new()
    {
        // index (under fixtures), keys folder (under fixtures), packages, signer, algorithm, DESCRIPTION
        { "alpine-v3.16-main-x86_64/APKINDEX.tar.gz", "keys/alpine", 4929, V316Signer, "RSA", "v3.16.3-13-g4d933a1fa3" },
        { "alpine-v3.22-main-x86_64/APKINDEX.tar.gz", "keys/alpine", 5646, V316Signer, "RSA", "v3.22.2-206-ge2cfd1f9853" },
        { "extra/chainguard-dev__go-apk/pkg/apk/testdata/alpine-317/APKINDEX.tar.gz", "keys/alpine", 5004,
            "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub", "RSA", "v3.17.3-216-g54a39ace82a" },
        { "extra/HayesJohnD__dockerfile-example/APKINDEX.tar.gz", "keys/alpine", 4778,
            "alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub", "RSA", "v3.14.0-35-g61662e7eee" },
        { "extra/1Linn-n__konfig_dz_2/APKINDEX.tar.gz", "keys/alpine", 4828,
            "alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub", "RSA", "v3.12.12-45-g8116a127ec" },
        { "extra/splashx__cog/APKINDEX.tar.gz", "keys/alpine", 738,
            "alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub", "RSA", "v3.4.6-160-g14ad2a3" },
        { "rsa256-signed/APKINDEX.tar.gz", "rsa256-signed/test-rsa256.rsa.pub", 1, "test-rsa256.rsa.pub", "RSA256", "" },
        { "multi-signed/APKINDEX.tar.gz", "multi-signed/keys", 16,
            "chainguard-0106f58bac88057c2ff5c2829850df492717a876ed700443550353c7ab23f5a0.rsa.pub", "RSA256", "" },
        { "extra/chainguard-dev__apko/internal/cli/testdata/packages/x86_64/APKINDEX.tar.gz",
            "extra/chainguard-dev__apko/internal/cli/testdata/packages/melange.rsa.pub", 4, "melange.rsa.pub", "RSA256", "" },
    };

    [Theory]
    [MemberData(nameof(SignedIndexes))]
    public void Should_verify_and_parse_every_real_signed_index(
        string index, string keys, int packages, string signer, string algorithm, string? description)
    {
        // Given a real signed index and the key folder it was signed for
        using var trusted = TrustedKeys.Load(KeysFolder(keys));

        // When it is read
        var result = ApkIndexReader.Read(Fixtures.Path(index), trusted);

        // Then the signature is attributed and every record is parsed
        Assert.Equal(packages, result.Entries.Count);
        Assert.Equal(signer, result.SignedBy);
        Assert.Equal(algorithm, result.SignatureAlgorithm);
        Assert.Equal(description, result.Description);
        Assert.All(result.Entries, e => Assert.True(e.Size > 0 && e.Name.Length > 0 && e.Version.Length > 0));
    }

    [Fact]
    public void Should_parse_every_field_of_a_real_record()
    {
        // Given the real v3.16 index
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);

        // When it is read
        var index = ApkIndexReader.Read(Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz"), keys);

        // Then strace's record carries the values PROVENANCE.md lists and that apk writes
        var strace = Assert.Single(index.Entries, e => e.Name == "strace");
        Assert.Equal("Q18y9jy9MgtvQFXTntDQ3if2axAkk=", strace.Checksum);
        Assert.Equal("5.17-r0", strace.Version);
        Assert.Equal("x86_64", strace.Arch);
        Assert.Equal(521102, strace.Size);
        Assert.Equal("strace-5.17-r0.apk", strace.FileName);
        Assert.Equal("strace", strace.Origin);
        Assert.Contains("so:libc.musl-x86_64.so.1", strace.Depends);
        Assert.True(strace.BuildTime > 1_600_000_000);
    }

    [Fact]
    public void Should_parse_every_record_of_the_real_v322_index_as_written()
    {
        // Given the real v3.22 index and its APKINDEX text, taken out the way tar -xzf does
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var path = Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz");
        var text = ExtractApkindex(path);

        // When the index is read
        var index = ApkIndexReader.Read(path, keys);

        // Then each entry holds exactly the values of its record's lines, non-ASCII text included
        var expected = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(FieldsOfRecord).ToList();
        Assert.Equal(5646, expected.Count);
        Assert.Equal(expected, index.Entries.Select(EntryFields.Of));
        Assert.Contains(index.Entries, e => e.Maintainer == "Timo Teräs <timo.teras@iki.fi>");
    }

    [Fact]
    public async Task Should_read_an_index_from_a_stream_naming_its_url()
    {
        // Given the v3.22 index arriving over a stream
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        await using var stream = File.OpenRead(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"));

        // When it is read
        var index = await ApkIndexReader.ReadAsync(stream, "http://127.0.0.1/v3.22/main/x86_64/APKINDEX.tar.gz", keys, CancellationToken.None);

        // Then it is the sorted v3.22 index
        Assert.Equal(5646, index.Entries.Count);
        Assert.Equal("7zip", index.Entries[0].Name);
    }

    [Theory]
    [InlineData("chainguard-0106f58bac88057c2ff5c2829850df492717a876ed700443550353c7ab23f5a0.rsa.pub")]
    [InlineData("chainguard-60912bbc46bfc8ed6bda0b50db3a8a5f3c4344d6bc8549ec9b84d96140b475d1.rsa.pub")]
    [InlineData("chainguard-61cb6bccd1f584b007db7be51ebce2b0530a54cc5a94e7650b570d113d537cf3.rsa.pub")]
    public void Should_accept_a_multi_signed_index_when_only_one_of_its_keys_is_trusted(string key)
    {
        // Given a keys folder holding only one of the three signers
        File.Copy(Fixtures.Path("multi-signed", "keys", key), Path.Combine(_directory.FullName, key));
        using var keys = TrustedKeys.Load(_directory.FullName);

        // When the three-signature index is read
        var index = ApkIndexReader.Read(Fixtures.Path("multi-signed", "APKINDEX.tar.gz"), keys);

        // Then that one signature is enough
        Assert.Equal(key, index.SignedBy);
        Assert.Equal(16, index.Entries.Count);
    }

    [Fact]
    public void Should_refuse_an_index_whose_signature_entry_is_fake()
    {
        // Given go-apk's synthetic index: one gzip member starting with APKINDEX, a fake .SIGN entry inside
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var path = Fixtures.Path("negative", "fake-signature-APKINDEX.tar.gz");

        // When it is read
        var error = Assert.Throws<SignatureException>(() => ApkIndexReader.Read(path, keys));

        // Then it is not signed as apk understands it
        Assert.Equal($"{path}: not signed: the first gzip member holds no .SIGN.* entry", error.Message);
    }

    [Fact]
    public void Should_refuse_an_index_signed_by_a_key_that_is_not_trusted()
    {
        // Given all Alpine keys except the one that signed v3.16 x86_64
        foreach (var key in Directory.GetFiles(Fixtures.AlpineKeys).Where(k => !k.EndsWith(V316Signer, StringComparison.Ordinal)))
        {
            File.Copy(key, Path.Combine(_directory.FullName, Path.GetFileName(key)));
        }

        using var keys = TrustedKeys.Load(_directory.FullName);
        var path = Fixtures.Path("alpine-v3.16-main-x86_64", "APKINDEX.tar.gz");

        // When the index is read
        var error = Assert.Throws<SignatureException>(() => ApkIndexReader.Read(path, keys));

        // Then the message names the signature found and says its key is not trusted
        Assert.Equal(
            $"{path}: no trusted signature verifies: .SIGN.RSA.{V316Signer} (key not trusted); trusted keys are in {_directory.FullName}",
            error.Message);
    }

    [Theory]
    [InlineData(800)]
    [InlineData(250_000)]
    [InlineData(499_990)]
    public void Should_refuse_an_index_with_one_byte_changed_after_the_signature(int offset)
    {
        // Given the v3.22 index with one bit flipped in the signed member (header, middle, trailer)
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var data = File.ReadAllBytes(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"));
        data[offset] ^= 0x01;

        // When it is read
        var error = Assert.Throws<SignatureException>(() => ApkIndexReader.Read(data, "APKINDEX.tar.gz", keys));

        // Then the signature no longer verifies and nothing is parsed
        Assert.Equal(
            $"APKINDEX.tar.gz: no trusted signature verifies: .SIGN.RSA.{V316Signer} (does not verify with the trusted key); "
            + $"trusted keys are in {Fixtures.AlpineKeys}",
            error.Message);
    }

    [Fact]
    public void Should_refuse_an_index_truncated_inside_the_signature_member()
    {
        // Given the v3.22 index cut inside its 748-byte signature member
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var data = File.ReadAllBytes(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"))[..500];

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexReader.Read(data, "http://127.0.0.1/APKINDEX.tar.gz", keys));

        // Then the message says where it ends
        Assert.Equal("http://127.0.0.1/APKINDEX.tar.gz: gzip member at offset 0 is truncated: the data ends at offset 500", error.Message);
    }

    [Fact]
    public void Should_refuse_an_index_truncated_after_the_signature()
    {
        // Given the v3.22 index cut in the middle of the signed member
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var data = File.ReadAllBytes(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"))[..100_000];

        // When it is read
        // Then the signature fails before any of the partial text is parsed
        Assert.Throws<SignatureException>(() => ApkIndexReader.Read(data, "APKINDEX.tar.gz", keys));
    }

    [Fact]
    public void Should_refuse_a_signature_member_with_nothing_after_it()
    {
        // Given only the signature member of the v3.22 index
        using var keys = TrustedKeys.Load(Fixtures.AlpineKeys);
        var data = File.ReadAllBytes(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"))[..748];

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexReader.Read(data, "APKINDEX.tar.gz", keys));

        // Then the missing index is reported
        Assert.Equal("APKINDEX.tar.gz: nothing follows the signature member (offset 748)", error.Message);
    }

    [Fact]
    public void Should_read_an_index_signed_here_with_rsa256_and_a_pax_signature_header()
    {
        // Given a valid record signed by a key made for this test
        using var keys = TrustedKeys.Load(_factory.KeysDirectory);

        // When it is read
        var index = ApkIndexReader.Read(_factory.Write(ValidRecord), keys);

        // Then the factory's index is accepted, which makes the refusals below meaningful
        Assert.Equal("strace", Assert.Single(index.Entries).Name);
        Assert.Equal(_factory.KeyName, index.SignedBy);
        Assert.Equal("RSA256", index.SignatureAlgorithm);
        Assert.Equal("v3.99.0-1-gtest", index.Description);
    }

    [Fact]
    public void Should_accept_an_index_without_description()
    {
        // Given a signed index with no DESCRIPTION entry
        using var keys = TrustedKeys.Load(_factory.KeysDirectory);

        // When it is read
        var index = ApkIndexReader.Read(_factory.Create(ValidRecord, description: null), "APKINDEX.tar.gz", keys);

        // Then the description is absent
        Assert.Null(index.Description);
        Assert.Single(index.Entries);
    }

    [Fact]
    public void Should_refuse_a_signed_index_with_a_line_without_colon_naming_the_line()
    {
        // Given a validly signed index whose third line is not "X:value"
        using var keys = TrustedKeys.Load(_factory.KeysDirectory);
        var path = _factory.Write(ValidRecord.Replace("V:5.17-r0", "V 5.17-r0", StringComparison.Ordinal));

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexReader.Read(path, keys));

        // Then the message names the file, the entry, the line number and the line
        Assert.Equal($"{path}/APKINDEX: line 3: expected \"<field>:<value>\", got \"V 5.17-r0\"", error.Message);
    }

    [Theory]
    [InlineData("P:../../etc/passwd", "line 2: P: \"../../etc/passwd\" is not a safe name")]
    [InlineData("S:-1", "line 5: S: expected a non-negative integer, got \"-1\"")]
    [InlineData("C:Q1short=", "line 1: C: malformed checksum \"Q1short=\"")]
    public void Should_refuse_a_signed_index_with_an_unsafe_or_malformed_field(string replacement, string expected)
    {
        // Given a validly signed index with one bad field
        using var keys = TrustedKeys.Load(_factory.KeysDirectory);
        var field = replacement[..2];
        var text = string.Join('\n', ValidRecord.Split('\n').Select(l => l.StartsWith(field, StringComparison.Ordinal) ? replacement : l));

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexReader.Read(_factory.Create(text), "idx", keys));

        // Then the signature does not make bad content acceptable
        Assert.StartsWith($"idx/APKINDEX: {expected}", error.Message);
    }

    [Fact]
    public void Should_refuse_a_signed_index_without_apkindex_entry()
    {
        // Given a signed tar.gz that holds only a DESCRIPTION
        using var keys = TrustedKeys.Load(_factory.KeysDirectory);
        var data = _factory.Create(apkindex: null, description: "only a description");

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexReader.Read(data, "idx", keys));

        // Then the missing entry is named
        Assert.Equal("idx: no APKINDEX entry in the index", error.Message);
    }

    [Fact]
    public void Should_refuse_a_signed_index_with_two_apkindex_entries()
    {
        // Given a validly signed tar.gz with a second APKINDEX after the first, which a reader keeping the last would use
        using var keys = TrustedKeys.Load(_factory.KeysDirectory);
        var data = _factory.CreateWithEntries(
        [
            ("DESCRIPTION", "v3.99.0-1-gtest"),
            ("APKINDEX", ValidRecord),
            ("APKINDEX", ValidRecord.Replace("5.17-r0", "5.17-r1", StringComparison.Ordinal)),
        ]);

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => ApkIndexReader.Read(data, "idx", keys));

        // Then it is refused as a whole
        Assert.Equal("idx: the index holds two APKINDEX entries", error.Message);
    }

    [Fact]
    public async Task Should_stop_reading_an_index_larger_than_the_cap_before_holding_it_whole()
    {
        // Given a server sending an endless index
        using var keys = TrustedKeys.Load(_factory.KeysDirectory);
        await using var endless = new EndlessStream();

        // When it is read
        var error = await Assert.ThrowsAsync<ApkFormatException>(() => ApkIndexReader.ReadAsync(endless, "http://mirror/idx", keys, CancellationToken.None));

        // Then reading stops at the cap (64 MiB, far above the 2 MB of a real index) with one line naming the URL
        Assert.Equal("http://mirror/idx: index is larger than 67108864 bytes", error.Message);
        Assert.InRange(endless.Served, 64L << 20, (64L << 20) + (1 << 20));
    }

    private static string ExtractApkindex(string path)
    {
        // GZipStream joins the signature and index members; the tar reader then meets .SIGN.* before APKINDEX.
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name == "APKINDEX")
            {
                using var text = new StreamReader(entry.DataStream!, Encoding.UTF8);
                return text.ReadToEnd();
            }
        }

        throw new InvalidDataException($"{path}: no APKINDEX entry");
    }

    // The record split naively, one field per line, in the order EntryFields writes them.
    private static string FieldsOfRecord(string record)
    {
        var fields = record.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l[0], l => l[2..]);
        string Field(char name, string absent = "") => fields.GetValueOrDefault(name, absent);
        string Atoms(char name) => string.Join(' ', Field(name).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return string.Join(" | ",
            Field('C'), Field('P'), Field('V'), Field('A'), Field('S'), Field('I', "0"), Field('T'), Field('U'),
            Field('L'), Field('o'), Field('m'), Field('t', "0"), Field('c'), Field('k'), Atoms('D'), Atoms('p'), Atoms('i'));
    }

    private string KeysFolder(string keys)
    {
        var path = Fixtures.Path(keys.Split('/'));
        if (Directory.Exists(path))
        {
            return path;
        }

        // A single public key file next to the index: trust a folder holding just that key.
        File.Copy(path, Path.Combine(_directory.FullName, Path.GetFileName(path)));
        return _directory.FullName;
    }

    /// <summary>A read-only stream of zeros that never ends, counting what it served.</summary>
    private sealed class EndlessStream : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Served; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            Served += count;
            return count;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
