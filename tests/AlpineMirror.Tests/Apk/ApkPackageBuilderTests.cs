using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class ApkPackageBuilderTests : IDisposable
{
    private static readonly byte[] HelloBinary = Encoding.ASCII.GetBytes("#!/bin/sh\necho 'Hello, world!'\n");
    private static readonly byte[] HelloManual = Encoding.ASCII.GetBytes(new string('m', 1500));

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-apk-");
    private readonly SigningKey _key = SigningKey.Create("builder@example.org");

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }

    private static PackageSpec Hello => new()
    {
        Name = "hello",
        Version = "2.12.1-r0",
        Arch = "x86_64",
        Description = "Prints a friendly greeting",
        Url = "https://www.gnu.org/software/hello/",
        License = "GPL-3.0-or-later",
        Maintainer = "Jane Doe <jane@example.org>",
        Packager = "Builder <builder@example.org>",
        Commit = "0123456789abcdef0123456789abcdef01234567",
        BuildTime = 1700000000,
        Depends = ["so:libc.musl-x86_64.so.1"],
        Provides = ["cmd:hello=2.12.1-r0"],
        Files =
        [
            new PackageFile("usr/bin/hello", HelloBinary, PackageFile.ExecutableMode),
            new PackageFile("usr/share/man/man1/hello.1", HelloManual),
        ],
    };

    [Fact]
    public void Should_build_three_gzip_members_that_gzip_accepts()
    {
        // Given a signed package
        var package = new ApkPackageBuilder(_key).Build(Hello);

        // When it is split at its gzip member boundaries
        var members = RawGzipMembers.Split(package.Content.ToArray());

        // Then there are signature, control and data members, each a complete gzip -n -9 stream
        Assert.Equal(3, members.Count);
        foreach (var member in members)
        {
            ExternalCommand.Require("gzip", ["-t"], member);
            // magic, deflate, no flags, mtime 0, XFL 2 (best compression), OS 3 (Unix): what gzip -n -9 writes
            Assert.Equal("1F8B0800000000000203", Convert.ToHexString(member, 0, 10));
        }
    }

    [Theory]
    [InlineData("SHA1", "-sha1", ".SIGN.RSA.")]
    [InlineData("SHA256", "-sha256", ".SIGN.RSA256.")]
    [InlineData("SHA512", "-sha512", ".SIGN.RSA512.")]
    public void Should_sign_the_raw_control_member_so_that_openssl_verifies(string hash, string opensslDigest, string prefix)
    {
        // Given a package signed with the chosen hash, and the public key in a keys directory
        var package = new ApkPackageBuilder(_key, new HashAlgorithmName(hash)).Build(Hello);
        var publicKey = _key.WritePublicKey(_directory.FullName);
        var members = RawGzipMembers.Split(package.Content.ToArray());

        // When the signature member is extracted by GNU tar
        var extracted = _directory.CreateSubdirectory("signature").FullName;
        ExternalCommand.Require("tar", ["-xzf", "-", "-C", extracted], members[0]);

        // Then it holds exactly one .SIGN.<ALG>.<key name> entry that openssl verifies over the raw control member
        var signature = Assert.Single(Directory.GetFiles(extracted, "*", SearchOption.AllDirectories));
        Assert.Equal(prefix + _key.KeyName, Path.GetFileName(signature));
        var control = Write("control.raw", members[1]);
        var verified = ExternalCommand.Run("openssl", ["dgst", opensslDigest, "-verify", publicKey, "-signature", signature, control]);
        Assert.True(verified.ExitCode == 0, verified.Error);

        // And a single flipped bit in the control member makes the signature fail
        var tampered = members[1].ToArray();
        tampered[tampered.Length / 2] ^= 0x01;
        var refused = ExternalCommand.Run("openssl",
            ["dgst", opensslDigest, "-verify", publicKey, "-signature", signature, Write("tampered.raw", tampered)]);
        Assert.NotEqual(0, refused.ExitCode);
    }

    [Fact]
    public void Should_write_pkginfo_in_abuild_key_order_with_the_data_members_sha256()
    {
        // Given a package
        var package = new ApkPackageBuilder(_key).Build(Hello);
        var members = RawGzipMembers.Split(package.Content.ToArray());

        // When GNU tar lists and extracts the control member, and sha256sum hashes the raw data member
        var listing = ExternalCommand.Require("tar", ["-tvzf", "-"], members[1]).OutputText;
        var pkginfo = ExternalCommand.Require("tar", ["-xzOf", "-", ".PKGINFO"], members[1]).OutputText;
        var sha256sum = ExternalCommand.Require("sha256sum", ["-"], members[2]).OutputText[..64];

        // Then the control member holds only .PKGINFO, root-owned, 0644, with the expected text
        Assert.Matches(@"^-rw-r--r-- root/root +\d+ \d{4}-\d\d-\d\d \d\d:\d\d \.PKGINFO\n$", listing);
        var size = HelloBinary.Length + HelloManual.Length;
        Assert.Equal(
            $"""
             # Generated by AlpineMirror
             pkgname = hello
             pkgver = 2.12.1-r0
             pkgdesc = Prints a friendly greeting
             url = https://www.gnu.org/software/hello/
             builddate = 1700000000
             packager = Builder <builder@example.org>
             size = {size}
             arch = x86_64
             origin = hello
             commit = 0123456789abcdef0123456789abcdef01234567
             maintainer = Jane Doe <jane@example.org>
             license = GPL-3.0-or-later
             depend = so:libc.musl-x86_64.so.1
             provides = cmd:hello=2.12.1-r0
             datahash = {sha256sum}

             """,
            pkginfo);
        Assert.Equal(sha256sum, package.DataHash);
    }

    [Fact]
    public void Should_write_the_data_files_with_their_directories_modes_and_content()
    {
        // Given a package with an executable and a manual page
        var package = new ApkPackageBuilder(_key).Build(Hello);
        var data = RawGzipMembers.Split(package.Content.ToArray())[2];

        // When GNU tar lists and extracts the data member
        var listing = ExternalCommand.Require("tar", ["-tvzf", "-"], data).OutputText;
        var binary = ExternalCommand.Require("tar", ["-xzOf", "-", "usr/bin/hello"], data).Output;

        // Then parent directories come first, everything is owned by root, and the content is intact
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(fields => $"{fields[0]} {fields[1]} {fields[^1]}")
            .ToArray();
        Assert.Equal(
            [
                "drwxr-xr-x root/root usr/",
                "drwxr-xr-x root/root usr/bin/",
                "-rwxr-xr-x root/root usr/bin/hello",
                "drwxr-xr-x root/root usr/share/",
                "drwxr-xr-x root/root usr/share/man/",
                "drwxr-xr-x root/root usr/share/man/man1/",
                "-rw-r--r-- root/root usr/share/man/man1/hello.1",
            ],
            lines);
        Assert.Equal(HelloBinary, binary);
    }

    [Fact]
    public void Should_carry_each_files_sha1_in_its_pax_header_like_abuild_tar_hash()
    {
        // Given a package
        var package = new ApkPackageBuilder(_key).Build(Hello);
        var data = ExternalCommand.Require("gzip", ["-dc"], RawGzipMembers.Split(package.Content.ToArray())[2]).Output;

        // When its data tar is read entry by entry
        var checksums = new Dictionary<string, string>();
        using var reader = new TarReader(new MemoryStream(data));
        while (reader.GetNextEntry() is { } entry)
        {
            var pax = Assert.IsType<PaxTarEntry>(entry);
            Assert.Equal("0", pax.ExtendedAttributes["ctime"]);
            if (entry.EntryType == TarEntryType.RegularFile)
            {
                checksums[entry.Name] = pax.ExtendedAttributes["APK-TOOLS.checksum.SHA1"];
            }
        }

        // Then every regular file carries the lowercase hex SHA-1 of its content
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(HelloBinary)), checksums["usr/bin/hello"]);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(HelloManual)), checksums["usr/share/man/man1/hello.1"]);
    }

    [Fact]
    public void Should_cut_the_signature_and_control_tars_and_terminate_the_data_tar()
    {
        // Given a package
        var members = RawGzipMembers.Split(new ApkPackageBuilder(_key).Build(Hello).Content.ToArray());

        // When each member is decompressed
        var tars = members.Select(member => ExternalCommand.Require("gzip", ["-dc"], member).Output).ToArray();

        // Then signature and control end right after their last entry, which makes the concatenation one tar stream,
        // and only the data tar ends with the two zero blocks TarWriter appends
        var endOfArchive = new byte[1024];
        Assert.All(tars, tar => Assert.Equal(0, tar.Length % 512));
        Assert.False(tars[0].AsSpan(tars[0].Length - 512).SequenceEqual(endOfArchive.AsSpan(0, 512)));
        Assert.False(tars[1].AsSpan(tars[1].Length - 512).SequenceEqual(endOfArchive.AsSpan(0, 512)));
        Assert.True(tars[2].AsSpan(tars[2].Length - 1024).SequenceEqual(endOfArchive));
        Assert.Equal(1024, TarSegmentBuilder.EndOfArchiveLength);

        var whole = ExternalCommand.Require("tar", ["-tzf", "-"], members.SelectMany(member => member).ToArray()).OutputText;
        Assert.StartsWith($".SIGN.RSA256.{_key.KeyName}\n.PKGINFO\nusr/\n", whole);
    }

    [Fact]
    public void Should_return_the_index_entry_that_describes_the_file()
    {
        // Given a package
        var package = new ApkPackageBuilder(_key).Build(Hello with { InstallIf = ["hello-base", "man-pages"], ProviderPriority = 10 });
        var members = RawGzipMembers.Split(package.Content.ToArray());

        // When its identity is computed independently: Q1 + base64 of openssl's SHA-1 of the raw control member
        var sha1 = ExternalCommand.Require("openssl", ["dgst", "-sha1", "-binary"], members[1]).Output;

        // Then the returned entry carries it, the file size, the installed size and the metadata
        var entry = package.Entry;
        Assert.Equal("Q1" + Convert.ToBase64String(sha1), entry.Checksum);
        Assert.Equal(30, entry.Checksum.Length);
        Assert.Equal(package.Content.Length, entry.Size);
        Assert.Equal(HelloBinary.Length + HelloManual.Length, entry.InstalledSize);
        Assert.Equal(("hello", "2.12.1-r0", "x86_64", "hello"), (entry.Name, entry.Version, entry.Arch, entry.Origin));
        Assert.Equal(("Prints a friendly greeting", "GPL-3.0-or-later", 1700000000L), (entry.Description, entry.License, entry.BuildTime));
        Assert.Equal(["so:libc.musl-x86_64.so.1"], entry.Depends);
        Assert.Equal(["cmd:hello=2.12.1-r0"], entry.Provides);
        Assert.Equal(["hello-base", "man-pages"], entry.InstallIf);
        Assert.Equal(10, entry.ProviderPriority);
        Assert.Equal("hello-2.12.1-r0.apk", entry.FileName);
    }

    [Fact]
    public void Should_build_identical_bytes_for_an_identical_spec()
    {
        // Given one builder
        var builder = new ApkPackageBuilder(_key);

        // When the same spec is built twice, and once with one byte of content changed
        var first = builder.Build(Hello);
        var second = builder.Build(Hello);
        var changed = builder.Build(Hello with { Files = [new PackageFile("usr/bin/hello", "#!/bin/sh\necho 'Hello, World!'\n"u8.ToArray())] });

        // Then equal specs give equal files (so an unchanged package keeps its C:), a changed one does not
        Assert.True(first.Content.Span.SequenceEqual(second.Content.Span));
        Assert.Equal((first.Entry.Checksum, first.Entry.Size), (second.Entry.Checksum, second.Entry.Size));
        Assert.NotEqual(first.Entry.Checksum, changed.Entry.Checksum);
        Assert.NotEqual(first.DataHash, changed.DataHash);
    }

    [Fact]
    public void Should_build_an_unsigned_package_as_control_and_data_only()
    {
        // Given a builder without a key
        var package = new ApkPackageBuilder(key: null).Build(Hello);

        // When the file is split
        var members = RawGzipMembers.Split(package.Content.ToArray());

        // Then the first member is the control segment, as apk expects of an unsigned package
        Assert.Equal(2, members.Count);
        Assert.Equal(".PKGINFO\n", ExternalCommand.Require("tar", ["-tzf", "-"], members[0]).OutputText);
        Assert.Equal("Q1" + Convert.ToBase64String(SHA1.HashData(members[0])), package.Entry.Checksum);
    }

    [Fact]
    public void Should_lay_out_the_control_member_like_the_real_alpine_strace_package()
    {
        // Given the real Alpine strace-5.17-r0.apk and a package of ours
        var real = RawGzipMembers.Split(File.ReadAllBytes(Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk")));
        var ours = RawGzipMembers.Split(new ApkPackageBuilder(_key).Build(Hello).Content.ToArray());
        Assert.Equal([666, 595, 519841], real.Select(member => member.Length));

        // When both control tars are decompressed
        var realTar = ExternalCommand.Require("gzip", ["-dc"], real[1]).Output;
        var ourTar = ExternalCommand.Require("gzip", ["-dc"], ours[1]).Output;

        // Then both start with the same pax header (name, mode, owner, type, magic, records) and a root-owned
        // 0644 ustar .PKGINFO entry, and neither is terminated
        static string Field(byte[] tar, int offset, int length) => Encoding.ASCII.GetString(tar, offset, length).TrimEnd('\0');
        foreach (var (offset, length) in new[] { (0, 100), (100, 8), (108, 8), (116, 8), (156, 1), (257, 8), (512, 22) })
        {
            Assert.Equal(Field(realTar, offset, length), Field(ourTar, offset, length));
        }

        foreach (var (offset, length) in new[] { (1024, 100), (1124, 8), (1132, 8), (1140, 8), (1180, 1), (1281, 8), (1289, 32), (1321, 32) })
        {
            Assert.Equal(Field(realTar, offset, length), Field(ourTar, offset, length));
        }

        Assert.Equal("./PaxHeaders/.PKGINFO", Field(ourTar, 0, 100));
        Assert.Equal(".PKGINFO", Field(ourTar, 1024, 100));
        Assert.Equal("root", Field(ourTar, 1289, 32));
        Assert.NotEqual(new byte[512], realTar[^512..]);
        Assert.NotEqual(new byte[512], ourTar[^512..]);
    }

    [Fact]
    public void Should_write_the_package_as_P_V_apk_without_leaving_temporaries()
    {
        // Given a package and an older file of the same name
        var package = new ApkPackageBuilder(_key).Build(Hello);
        File.WriteAllText(Path.Combine(_directory.FullName, "hello-2.12.1-r0.apk"), "stale");

        // When it is written to the folder
        var path = package.WriteTo(_directory.FullName);

        // Then the file has the upstream name, the package bytes, and no temporary remains
        Assert.Equal(Path.Combine(_directory.FullName, "hello-2.12.1-r0.apk"), path);
        Assert.Equal(package.Content.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(["hello-2.12.1-r0.apk"], Directory.GetFiles(_directory.FullName).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Should_build_packages_the_verifier_accepts_against_their_entry(bool signed)
    {
        // Given a signed or unsigned package and the entry the builder returned
        var package = new ApkPackageBuilder(signed ? _key : null).Build(Hello);

        // When the production verifier checks the file against the entry (S:, C:, datahash, P:, V:)
        var verify = PackageVerifier.VerifyAsync(new MemoryStream(package.Content.ToArray()), package.Entry, "hello.apk", CancellationToken.None);

        // Then it passes
        await verify;
    }

    [Fact]
    public void Should_have_the_verifier_detect_a_flipped_byte_anywhere_in_the_package()
    {
        // Given a package and its entry
        var package = new ApkPackageBuilder(_key).Build(Hello);
        var content = package.Content.ToArray();

        // When each byte in turn is flipped and the package verified
        var undetected = new List<int>();
        for (var position = 0; position < content.Length; position++)
        {
            var tampered = content.ToArray();
            tampered[position] ^= 0x01;
            using var verifier = new PackageVerifier(package.Entry, "tampered.apk");
            try
            {
                verifier.Append(tampered);
                verifier.Complete();
                undetected.Add(position);
            }
            catch (Exception error) when (error is ChecksumMismatchException or ApkFormatException)
            {
            }
        }

        // Then every change after the signature member is refused, and those inside it change nothing
        UnsignedBytes.AssertOnlyHarmless(content, undetected);
    }

    public static TheoryData<string, PackageSpec> InvalidSpecs => new()
    {
        { "pkgname", Hello with { Name = "-hello" } },
        { "pkgver", Hello with { Version = "2.12.1-beta" } },
        { "arch", Hello with { Arch = "" } },
        { "pkgdesc", Hello with { Description = "two\nlines" } },
        { "depend", Hello with { Depends = ["so:libc.musl-x86_64.so.1 busybox"] } },
        { "../etc/passwd", Hello with { Files = [new PackageFile("../etc/passwd", HelloBinary)] } },
        { "/usr/bin/hello", Hello with { Files = [new PackageFile("/usr/bin/hello", HelloBinary)] } },
        { "listed twice", Hello with { Files = [new PackageFile("usr/bin/hello", HelloBinary), new PackageFile("usr/bin/hello", HelloManual)] } },
        { "both a file and a directory", Hello with { Files = [new PackageFile("usr/bin", HelloBinary), new PackageFile("usr/bin/hello", HelloManual)] } },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void Should_refuse_a_spec_apk_could_not_install(string expectedInMessage, PackageSpec spec)
    {
        var error = Assert.Throws<ArgumentException>(() => new ApkPackageBuilder(_key).Build(spec));

        Assert.Contains(expectedInMessage, error.Message);
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
