using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using AlpineMirror.Apk;

namespace AlpineMirror.Tests.Apk;

public sealed class GzipMembersTests
{
    private static byte[] Strace => File.ReadAllBytes(Fixtures.Path("alpine-v3.16-main-x86_64", "strace-5.17-r0.apk"));

    [Fact]
    public void Should_split_a_real_package_into_signature_control_and_data_members()
    {
        // Given Alpine's strace package, whose members start at 0, 666 and 1261 (checked with a Python splitter)
        var package = Strace;

        // When it is split
        var members = GzipMembers.Split(package, "strace-5.17-r0.apk");

        // Then the three members cover the file exactly
        Assert.Equal(
            [new GzipMemberRange(0, 666), new GzipMemberRange(666, 595), new GzipMemberRange(1261, package.Length - 1261)],
            members);
    }

    [Fact]
    public void Should_find_the_end_of_the_pax_signature_member_of_the_v3_22_index()
    {
        // Given the real v3.22 index, whose 748-byte signature member holds a pax header and the signature
        var index = File.ReadAllBytes(Fixtures.Path("alpine-v3.22-main-x86_64", "APKINDEX.tar.gz"));
        var content = new MemoryStream();

        // When the first member is read with its content
        var member = GzipMembers.ReadMember(index, 0, "APKINDEX.tar.gz", content);

        // Then it ends at 748 and decompresses to the 2048-byte cut tar, which TarReader reads without end blocks
        Assert.Equal(new GzipMemberRange(0, 748), member);
        Assert.Equal(member, GzipMembers.ReadFirstMember(index, "APKINDEX.tar.gz"));
        Assert.Equal(2048, content.Length);
        content.Position = 0;
        using var tar = new TarReader(content);
        var entry = tar.GetNextEntry();
        Assert.Equal(".SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub", entry!.Name);
        Assert.Equal(TarEntryFormat.Pax, entry.Format);
        Assert.Null(tar.GetNextEntry());
    }

    [Fact]
    public void Should_skip_optional_header_fields_extra_name_comment_and_header_crc()
    {
        // Given a member whose header carries FEXTRA, FNAME, FCOMMENT and FHCRC, followed by a plain member
        var deflated = Gzip(Encoding.ASCII.GetBytes("hello, alpine"));
        byte[] header = [0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3,
            4, 0, (byte)'A', (byte)'M', 0, 0,
            .. "file.txt"u8, 0,
            .. "a comment"u8, 0,
            0xAB, 0xCD];
        byte[] member = [.. header, .. deflated[10..]];
        byte[] data = [.. member, .. Gzip("second"u8.ToArray())];
        var content = new MemoryStream();

        // When the first member is read
        var range = GzipMembers.ReadMember(data, 0, "flags.gz", content);

        // Then its end is found after the trailer and its content is intact
        Assert.Equal(new GzipMemberRange(0, member.Length), range);
        Assert.Equal("hello, alpine", Encoding.ASCII.GetString(content.ToArray()));
        Assert.Equal(2, GzipMembers.Split(data, "flags.gz").Count);
    }

    [Fact]
    public void Should_report_need_for_more_bytes_until_a_member_is_complete()
    {
        // Given the first 665 bytes of strace's 666-byte signature member, then all of it
        var package = Strace;

        // When TryReadMember looks at both
        var partial = GzipMembers.TryReadMember(package.AsSpan(0, 665), 0, "strace", out _);
        var complete = GzipMembers.TryReadMember(package.AsSpan(0, 666), 0, "strace", out var member);

        // Then it waits for the missing trailer byte, then finds the member
        Assert.False(partial);
        Assert.True(complete);
        Assert.Equal(666, member.End);
    }

    [Fact]
    public void Should_find_the_end_of_a_member_far_longer_than_a_control_member()
    {
        // Given a member of 40 KB of incompressible bytes (stored deflate blocks) followed by a second member
        var random = new byte[40 * 1024];
        new Random(7).NextBytes(random);
        var first = Gzip(random);
        byte[] data = [.. first, .. Gzip("second"u8.ToArray())];
        var content = new MemoryStream();

        // When the first member is read, and the same bytes cut one byte before its end
        var member = GzipMembers.ReadMember(data, 0, "large.gz", content);
        var partial = GzipMembers.TryReadMember(data.AsSpan(0, first.Length - 1), 0, "large.gz", out _, new MemoryStream());

        // Then the member ends exactly where the second starts, with its content whole, and the cut one waits for more
        Assert.Equal(new GzipMemberRange(0, first.Length), member);
        Assert.Equal(random, content.ToArray());
        Assert.False(partial);
    }

    [Fact]
    public void Should_reject_truncated_data_naming_the_source_and_member_offset()
    {
        // Given strace cut inside its control member
        var truncated = Strace[..1000];

        // When it is split
        var error = Assert.Throws<ApkFormatException>(() => GzipMembers.Split(truncated, "http://127.0.0.1/strace-5.17-r0.apk"));

        // Then the message names the file, the member offset and where the data ends
        Assert.Equal("http://127.0.0.1/strace-5.17-r0.apk: gzip member at offset 666 is truncated: the data ends at offset 1000", error.Message);
    }

    [Fact]
    public void Should_reject_data_that_is_not_gzip()
    {
        // Given a tar file, not gzip
        var data = Encoding.ASCII.GetBytes("APKINDEX\0\0\0\0\0\0\0\0");

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => GzipMembers.ReadFirstMember(data, "APKINDEX.tar"));

        // Then the message quotes the bytes found
        Assert.Equal("APKINDEX.tar: no gzip member at offset 0: expected magic 1f8b, got 4150", error.Message);
    }

    [Fact]
    public void Should_reject_garbage_after_the_last_member()
    {
        // Given a valid package followed by a stray byte
        byte[] data = [.. Strace, 0x00];

        // When it is split
        var error = Assert.Throws<ApkFormatException>(() => GzipMembers.Split(data, "strace"));

        // Then the stray byte is reported where it is
        Assert.Contains($"offset {data.Length - 1}", error.Message);
    }

    [Fact]
    public void Should_reject_a_member_whose_trailer_crc_does_not_match_its_content()
    {
        // Given strace's signature member with its CRC32 changed
        var package = Strace;
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(package.AsSpan(658));
        BinaryPrimitives.WriteUInt32LittleEndian(package.AsSpan(658), crc ^ 1);

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => GzipMembers.ReadFirstMember(package, "strace"));

        // Then the CRC mismatch is named with both values
        Assert.Equal($"strace: gzip member at offset 0: CRC32 expected {crc ^ 1:x8}, got {crc:x8}", error.Message);
    }

    [Fact]
    public void Should_reject_corrupt_deflate_data()
    {
        // Given a member whose deflate block type is the reserved value 3
        byte[] data = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];

        // When it is read
        var error = Assert.Throws<ApkFormatException>(() => GzipMembers.ReadFirstMember(data, "bad.gz"));

        // Then it is refused as corrupt, not as truncated
        Assert.StartsWith("bad.gz: gzip member at offset 0: corrupt deflate data", error.Message);
    }

    [Fact]
    public void Should_refuse_a_member_that_decompresses_beyond_the_limit()
    {
        // Given 1 MiB of zeros compressed to a few kilobytes
        var bomb = Gzip(new byte[1024 * 1024]);

        // When it is read with a 64 KiB limit
        var error = Assert.Throws<ApkFormatException>(() => GzipMembers.ReadMember(bomb, 0, "bomb.gz", Stream.Null, 65536));

        // Then reading stops at the limit
        Assert.Equal("bomb.gz: gzip member at offset 0: decompresses to more than 65536 bytes", error.Message);
    }

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
