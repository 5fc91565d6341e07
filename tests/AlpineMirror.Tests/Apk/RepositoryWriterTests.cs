using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class RepositoryWriterTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-index-");
    private readonly SigningKey _key = SigningKey.Create("builder@example.org");

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }

    private static ApkIndexEntry Curl => new()
    {
        Checksum = "Q1dHNOerPc1tLPEYaP5dYIgzfGdto=",
        Name = "curl",
        Version = "7.83.1-r1",
        Arch = "x86_64",
        Size = 75346,
        InstalledSize = 245760,
        Description = "URL retrival utility and library",
        Url = "https://curl.se/",
        License = "MIT",
        Origin = "curl",
        Maintainer = "Natanael Copa <ncopa@alpinelinux.org>",
        BuildTime = 1652365566,
        Commit = "e0e6a0cca5a6e6e3b1c8b3a5e4ad14f6d36c3b57",
        ProviderPriority = 100,
        Depends = ["ca-certificates", "so:libc.musl-x86_64.so.1", "so:libcurl.so.4"],
        Provides = ["cmd:curl=7.83.1-r1"],
        InstallIf = ["curl-base", "docs"],
    };

    private static ApkIndexEntry Minimal(string name, string version) => new()
    {
        Checksum = "Q1" + Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(name + version))),
        Name = name,
        Version = version,
        Arch = "x86_64",
        Size = 1000,
    };

    [Fact]
    public void Should_write_an_index_whose_signature_openssl_verifies_over_the_unsigned_member()
    {
        // Given an index written with the default RSA256 signature and the public key in a keys directory
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, [Curl], "v3.16.0-1-gabcdef");
        var publicKey = _key.WritePublicKey(_directory.CreateSubdirectory("keys").FullName);
        var members = RawGzipMembers.Split(File.ReadAllBytes(index));

        // When GNU tar extracts the signature member
        var extracted = _directory.CreateSubdirectory("signature").FullName;
        ExternalCommand.Require("tar", ["-xzf", "-", "-C", extracted], members[0]);

        // Then it is APKINDEX.tar.gz: one .SIGN.RSA256.<key> entry that verifies over the raw bytes of member 1
        Assert.Equal(Path.Combine(_directory.FullName, "APKINDEX.tar.gz"), index);
        Assert.Equal(2, members.Count);
        var signature = Assert.Single(Directory.GetFiles(extracted));
        Assert.Equal(".SIGN.RSA256." + _key.KeyName, Path.GetFileName(signature));
        var unsigned = Write("unsigned.tar.gz", members[1]);
        ExternalCommand.Require("openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", signature, unsigned]);
    }

    [Fact]
    public void Should_sign_with_sha1_like_alpines_own_indexes_when_asked()
    {
        // Given an index signed .SIGN.RSA. (SHA-1)
        var index = new RepositoryWriter(_key, HashAlgorithmName.SHA1).WriteIndex(_directory.FullName, [Curl], "");
        var publicKey = _key.WritePublicKey(_directory.FullName);
        var members = RawGzipMembers.Split(File.ReadAllBytes(index));

        // When openssl checks it with SHA-1
        var signature = ExternalCommand.Require("tar", ["-xzOf", "-", ".SIGN.RSA." + _key.KeyName], members[0]).Output;
        var result = ExternalCommand.Run("openssl",
            ["dgst", "-sha1", "-verify", publicKey, "-signature", Write("sig", signature), Write("unsigned", members[1])]);

        // Then it verifies, and a 2048-bit key gives a 256-byte signature
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(256, signature.Length);
    }

    [Fact]
    public void Should_make_openssl_reject_the_index_after_any_flipped_byte()
    {
        // Given a signed index
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, [Curl, Minimal("zlib", "1.2.12-r1")], "test");
        var publicKey = _key.WritePublicKey(_directory.FullName);
        var members = RawGzipMembers.Split(File.ReadAllBytes(index));
        var signature = Write("sig", ExternalCommand.Require("tar", ["-xzOf", "-"], members[0]).Output);

        // When a byte is flipped at the start, middle or end of the signed member
        foreach (var position in new[] { 0, members[1].Length / 2, members[1].Length - 1 })
        {
            var tampered = members[1].ToArray();
            tampered[position] ^= 0x80;
            var result = ExternalCommand.Run("openssl",
                ["dgst", "-sha256", "-verify", publicKey, "-signature", signature, Write("tampered", tampered)]);

            // Then verification fails
            Assert.True(result.ExitCode != 0, $"flipped byte {position} was not detected");
        }
    }

    [Fact]
    public void Should_write_apkindex_records_in_apk_tools_field_order()
    {
        // Given an entry with every field set and one with only the required ones
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, [Minimal("zlib", "1.2.12-r1"), Curl], "test");

        // When GNU tar extracts APKINDEX from the unsigned member
        var members = RawGzipMembers.Split(File.ReadAllBytes(index));
        var text = ExternalCommand.Require("tar", ["-xzOf", "-", "APKINDEX"], members[1]).OutputText;

        // Then the fields follow C P V A S I T U L o m t c k D p i, empty ones are left out, each record ends with a blank line
        var zlib = Minimal("zlib", "1.2.12-r1");
        Assert.Equal(
            $"""
             C:Q1dHNOerPc1tLPEYaP5dYIgzfGdto=
             P:curl
             V:7.83.1-r1
             A:x86_64
             S:75346
             I:245760
             T:URL retrival utility and library
             U:https://curl.se/
             L:MIT
             o:curl
             m:Natanael Copa <ncopa@alpinelinux.org>
             t:1652365566
             c:e0e6a0cca5a6e6e3b1c8b3a5e4ad14f6d36c3b57
             k:100
             D:ca-certificates so:libc.musl-x86_64.so.1 so:libcurl.so.4
             p:cmd:curl=7.83.1-r1
             i:curl-base docs

             C:{zlib.Checksum}
             P:zlib
             V:1.2.12-r1
             A:x86_64
             S:1000
             I:0


             """,
            text);
    }

    [Fact]
    public void Should_write_description_first_without_a_trailing_newline_in_a_root_owned_tar()
    {
        // Given an index with the description the official builders use
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, [Curl], "v3.22.2-206-ge2cfd1f9853");
        var unsigned = RawGzipMembers.Split(File.ReadAllBytes(index))[1];

        // When GNU tar lists the unsigned member and extracts DESCRIPTION
        var listing = ExternalCommand.Require("tar", ["-tvzf", "-"], unsigned).OutputText;
        var description = ExternalCommand.Require("tar", ["-xzOf", "-", "DESCRIPTION"], unsigned).Output;

        // Then DESCRIPTION comes before APKINDEX, both 0644 root, and the text has no newline
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^-rw-r--r-- root/root +24 .* DESCRIPTION$", lines[0]);
        Assert.Matches(@"^-rw-r--r-- root/root +\d+ .* APKINDEX$", lines[1]);
        Assert.Equal("v3.22.2-206-ge2cfd1f9853"u8.ToArray(), description);
    }

    [Fact]
    public void Should_sort_records_by_name_then_apk_version_order()
    {
        // Given entries in no particular order, with versions that sort differently as text
        var entries = new[]
        {
            Minimal("musl", "1.2.3-r0"), Minimal("busybox", "1.35.0-r17"), Minimal("musl", "1.2.10-r0"),
            Minimal("busybox", "1.35.0-r9"), Minimal("alpine-base", "3.16.0-r0"), Minimal("musl", "1.2.3_rc1-r0"),
        };

        // When the index is written
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, entries, "test");

        // Then records come by name, then oldest version first
        var text = ExternalCommand.Require("tar", ["-xzOf", "-", "APKINDEX"], RawGzipMembers.Split(File.ReadAllBytes(index))[1]).OutputText;
        var order = text.Split('\n').Where(line => line.StartsWith("P:") || line.StartsWith("V:"))
            .Chunk(2).Select(pair => $"{pair[0][2..]}-{pair[1][2..]}");
        Assert.Equal(
            ["alpine-base-3.16.0-r0", "busybox-1.35.0-r9", "busybox-1.35.0-r17", "musl-1.2.3_rc1-r0", "musl-1.2.3-r0", "musl-1.2.10-r0"],
            order);
    }

    [Fact]
    public void Should_replace_an_index_without_touching_a_hard_linked_copy()
    {
        // Given an index hard-linked into an older snapshot, as Snapshot clones a published tree
        var writer = new RepositoryWriter(_key);
        var index = writer.WriteIndex(_directory.FullName, [Minimal("zlib", "1.2.12-r0")], "old");
        var snapshot = Path.Combine(_directory.CreateSubdirectory("snapshot").FullName, "APKINDEX.tar.gz");
        ExternalCommand.Require("ln", [index, snapshot]);
        var old = File.ReadAllBytes(snapshot);

        // When a new index is written over it
        writer.WriteIndex(_directory.FullName, [Minimal("zlib", "1.2.12-r1")], "new");

        // Then the snapshot keeps the old bytes, the folder holds only the new index, and no temporary remains
        Assert.Equal(old, File.ReadAllBytes(snapshot));
        Assert.NotEqual(old, File.ReadAllBytes(index));
        Assert.Equal(["APKINDEX.tar.gz"], Directory.GetFiles(_directory.FullName).Select(Path.GetFileName));
        var description = ExternalCommand.Require("tar", ["-xzOf", index, "DESCRIPTION"]).OutputText;
        Assert.Equal("new", description);
    }

    [Fact]
    public void Should_write_identical_bytes_for_identical_entries()
    {
        // Given the same entries written into two folders
        var writer = new RepositoryWriter(_key);
        var first = writer.WriteIndex(_directory.CreateSubdirectory("a").FullName, [Curl, Minimal("zlib", "1.2.12-r1")], "test");
        var second = writer.WriteIndex(_directory.CreateSubdirectory("b").FullName, [Minimal("zlib", "1.2.12-r1"), Curl], "test");

        // Then the files are byte for byte equal: the tar mtime is the newest build time, not the clock
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Should_write_an_unsigned_index_as_one_member_when_no_key_is_given()
    {
        // Given a writer without a key
        var index = new RepositoryWriter(key: null).WriteIndex(_directory.FullName, [Curl], "unsigned");

        // When the file is split
        var members = RawGzipMembers.Split(File.ReadAllBytes(index));

        // Then it is what `apk index` alone writes: one member holding DESCRIPTION and APKINDEX
        var member = Assert.Single(members);
        Assert.Equal("DESCRIPTION\nAPKINDEX\n", ExternalCommand.Require("tar", ["-tzf", "-"], member).OutputText);
    }

    [Fact]
    public void Should_index_packages_built_by_the_package_builder()
    {
        // Given two packages built and written into one folder
        var builder = new ApkPackageBuilder(_key);
        var built = new[] { "busybox", "musl" }.Select(name => builder.Build(new PackageSpec
        {
            Name = name,
            Version = "1.0-r0",
            Arch = "x86_64",
            BuildTime = 1700000000,
            Files = [PackageFile.Text($"usr/share/{name}/README", name)],
        })).ToArray();
        foreach (var package in built)
        {
            package.WriteTo(_directory.FullName);
        }

        // When their entries are indexed
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, built.Select(package => package.Entry), "test");

        // Then each record's C: and S: describe the file next to it
        var text = ExternalCommand.Require("tar", ["-xzOf", "-", "APKINDEX"], RawGzipMembers.Split(File.ReadAllBytes(index))[1]).OutputText;
        foreach (var name in new[] { "busybox", "musl" })
        {
            var file = File.ReadAllBytes(Path.Combine(_directory.FullName, $"{name}-1.0-r0.apk"));
            var control = RawGzipMembers.Split(file)[1];
            var sha1 = ExternalCommand.Require("openssl", ["dgst", "-sha1", "-binary"], control).Output;
            Assert.Contains($"C:Q1{Convert.ToBase64String(sha1)}\nP:{name}\nV:1.0-r0\nA:x86_64\nS:{file.Length}\n", text);
        }
    }

    [Theory]
    [InlineData("SHA1", "RSA")]
    [InlineData("SHA256", "RSA256")]
    [InlineData("SHA512", "RSA512")]
    public void Should_write_an_index_the_reader_verifies_and_reads_back_whole(string hash, string algorithm)
    {
        // Given an index of two records and a keys folder holding the writer's public key
        var entries = new[] { Curl, Minimal("zlib", "1.2.12-r1") };
        var index = new RepositoryWriter(_key, new HashAlgorithmName(hash)).WriteIndex(_directory.FullName, entries, "v3.16.0-1-gabcdef");
        using var keys = TrustedKeys.Load(Path.GetDirectoryName(_key.WritePublicKey(_directory.CreateSubdirectory("keys").FullName))!);

        // When the production reader reads it
        var read = ApkIndexReader.Read(index, keys);

        // Then the signature is accepted and every field comes back
        Assert.Equal((_key.KeyName, algorithm), (read.SignedBy, read.SignatureAlgorithm));
        Assert.Equal("v3.16.0-1-gabcdef", read.Description);
        Assert.Equal(entries.Select(EntryFields.Of), read.Entries.Select(EntryFields.Of));
    }

    [Fact]
    public void Should_have_the_reader_refuse_an_index_signed_by_another_key()
    {
        // Given an index signed by one key and a keys folder holding only another
        var index = new RepositoryWriter(_key).WriteIndex(_directory.FullName, [Curl], "test");
        using var stranger = SigningKey.Create("stranger@example.org");
        using var keys = TrustedKeys.Load(Path.GetDirectoryName(stranger.WritePublicKey(_directory.CreateSubdirectory("keys").FullName))!);

        // When it is read, then the signature is refused naming the unknown key
        var error = Assert.Throws<SignatureException>(() => ApkIndexReader.Read(index, keys));
        Assert.Contains(_key.KeyName, error.Message);
    }

    [Fact]
    public void Should_have_the_reader_detect_a_flipped_byte_anywhere_in_the_index()
    {
        // Given a signed index and its trusted key
        var index = File.ReadAllBytes(new RepositoryWriter(_key).WriteIndex(_directory.FullName, [Curl, Minimal("zlib", "1.2.12-r1")], "test"));
        using var keys = TrustedKeys.Load(Path.GetDirectoryName(_key.WritePublicKey(_directory.CreateSubdirectory("keys").FullName))!);

        // When each byte in turn is flipped and the index read
        var undetected = new List<int>();
        for (var position = 0; position < index.Length; position++)
        {
            var tampered = index.ToArray();
            tampered[position] ^= 0x01;
            try
            {
                ApkIndexReader.Read(tampered, "tampered", keys);
                undetected.Add(position);
            }
            catch (Exception error) when (error is SignatureException or ApkFormatException)
            {
            }
        }

        // Then every change after the signature member is refused, and those inside it change nothing
        UnsignedBytes.AssertOnlyHarmless(index, undetected);
    }

    public static TheoryData<string, ApkIndexEntry[]> InvalidEntries => new()
    {
        { "listed twice", [Curl, Curl with { Checksum = "Q1xxxxxxxxxxxxxxxxxxxxxxxxxxx=" }] },
        { "T: expected one line", [Curl with { Description = "two\nlines" }] },
        { "must not be empty", [Curl with { Checksum = "" }] },
    };

    [Theory]
    [MemberData(nameof(InvalidEntries))]
    public void Should_refuse_entries_apk_would_misread_and_leave_no_file(string expectedInMessage, ApkIndexEntry[] entries)
    {
        var error = Assert.Throws<ArgumentException>(() => new RepositoryWriter(_key).WriteIndex(_directory.FullName, entries, "test"));

        Assert.Contains(expectedInMessage, error.Message);
        Assert.Empty(Directory.GetFiles(_directory.FullName));
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
