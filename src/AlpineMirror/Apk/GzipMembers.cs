using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using ICSharpCode.SharpZipLib;
using ICSharpCode.SharpZipLib.Checksum;
using ICSharpCode.SharpZipLib.Zip.Compression;

namespace AlpineMirror.Apk;

/// <summary>Finds the exact byte boundaries of concatenated gzip members (APK-FORMAT.md §1.1, §8).</summary>
/// <remarks>
/// apk hashes and signs raw compressed members, so their boundaries must be exact. GZipStream joins members
/// and reads ahead; SharpZipLib's raw inflater reports how much input it left unconsumed, which gives the end
/// of each deflate stream. Header (RFC 1952 §2.3) and trailer are parsed here.
/// <para>
/// SharpZipLib's managed inflater is several times slower than zlib-ng behind <see cref="DeflateStream"/>, which
/// hides where the deflate data ends. So a member is first inflated with DeflateStream and taken to end at the first
/// trailer (the CRC32 and size of what it inflated to) followed by another member's magic or by the end of the data
/// (APK-FORMAT.md §8). Only when that finds no such trailer (more bytes needed, corrupt data, a wrong trailer) does
/// SharpZipLib decide, with its exact answer and error. A trailer's 8 bytes occurring by chance inside deflate data
/// would cut a member short; every boundary is trusted only through a hash or signature over the exact bytes it
/// delimits (C:, datahash, the index signature), so such a cut can refuse a file, never pass one.
/// </para>
/// </remarks>
public static class GzipMembers
{
    private const int FixedHeaderLength = 10;
    private const int TrailerLength = 8;
    private const int InputChunk = 16 * 1024;

    // Signature and control members are a few hundred bytes: feeding (copying) them 16 KiB at a time costs more than
    // inflating them, so input starts small and doubles.
    private const int FirstInputChunk = 1024;

    // Deflate input tried first when looking for the trailer; grown fourfold while no trailer is found in it.
    private const int TrailerWindow = 4 * 1024;

    private const byte FlagHeaderCrc = 0x02;
    private const byte FlagExtra = 0x04;
    private const byte FlagName = 0x08;
    private const byte FlagComment = 0x10;
    private const byte ReservedFlags = 0xE0;

    // An Inflater carries a 32 KiB window and its tables: one per thread, reset per member, instead of one per member.
    // Taken out of the slot while in use and put back only after a clean run, so a corrupt stream never leaves it half-used.
    [ThreadStatic]
    private static Inflater? t_inflater;

    [ThreadStatic]
    private static Crc32? t_checksum;

    /// <summary>The first member of <paramref name="data"/>.</summary>
    /// <exception cref="ApkFormatException">The data does not start with a complete gzip member.</exception>
    public static GzipMemberRange ReadFirstMember(ReadOnlySpan<byte> data, string source) =>
        ReadMember(data, 0, source);

    /// <summary>The member starting at <paramref name="offset"/>, optionally writing its decompressed bytes to <paramref name="content"/>.</summary>
    /// <exception cref="ApkFormatException">No complete gzip member starts at <paramref name="offset"/>, or its content exceeds <paramref name="maxContentLength"/>.</exception>
    public static GzipMemberRange ReadMember(
        ReadOnlySpan<byte> data, int offset, string source, Stream? content = null, long maxContentLength = long.MaxValue)
    {
        if (!TryReadMember(data, offset, source, out var member, content, maxContentLength))
        {
            throw new ApkFormatException(source, $"gzip member at offset {offset} is truncated: the data ends at offset {data.Length}");
        }

        return member;
    }

    /// <summary>
    /// Like <see cref="ReadMember"/> but returns false, instead of throwing, when <paramref name="data"/> ends before the
    /// member does, so a caller receiving a download in chunks can try again once more bytes arrived.
    /// </summary>
    /// <exception cref="ApkFormatException">The bytes present are not a valid gzip member.</exception>
    public static bool TryReadMember(
        ReadOnlySpan<byte> data,
        int offset,
        string source,
        out GzipMemberRange member,
        Stream? content = null,
        long maxContentLength = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, data.Length);
        member = default;

        var headerLength = ReadHeader(data[offset..], offset, source);
        if (headerLength < 0)
        {
            return false;
        }

        var deflateStart = offset + headerLength;
        if (TryEndByTrailer(data, deflateStart, content, maxContentLength, out var end))
        {
            member = new GzipMemberRange(offset, end - offset);
            return true;
        }

        if (!TryInflate(data, offset, deflateStart, source, content, maxContentLength, out var deflateLength, out var crc, out var size))
        {
            return false;
        }

        var trailerStart = deflateStart + deflateLength;
        if (data.Length - trailerStart < TrailerLength)
        {
            return false;
        }

        var expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(data[trailerStart..]);
        var expectedSize = BinaryPrimitives.ReadUInt32LittleEndian(data[(trailerStart + 4)..]);
        if (expectedCrc != crc)
        {
            throw new ApkFormatException(source, $"gzip member at offset {offset}: CRC32 expected {expectedCrc:x8}, got {crc:x8}");
        }

        if (expectedSize != (uint)size)
        {
            throw new ApkFormatException(source, $"gzip member at offset {offset}: size expected {expectedSize}, got {(uint)size}");
        }

        member = new GzipMemberRange(offset, trailerStart + TrailerLength - offset);
        return true;
    }

    /// <summary>Every member of <paramref name="data"/>, in order; the data must consist of whole members only.</summary>
    /// <exception cref="ApkFormatException">The data is empty, truncated or not gzip.</exception>
    public static IReadOnlyList<GzipMemberRange> Split(ReadOnlySpan<byte> data, string source)
    {
        var members = new List<GzipMemberRange>();
        var offset = 0;
        do
        {
            var member = ReadMember(data, offset, source);
            members.Add(member);
            offset = member.End;
        }
        while (offset < data.Length);

        return members;
    }

    // Returns the header length, or -1 when the data ends inside the header.
    private static int ReadHeader(ReadOnlySpan<byte> data, int offset, string source)
    {
        // Bytes present are checked before asking for more, so garbage fails fast instead of waiting.
        if ((data.Length >= 1 && data[0] != 0x1f) || (data.Length >= 2 && data[1] != 0x8b))
        {
            throw new ApkFormatException(source, $"no gzip member at offset {offset}: expected magic 1f8b, got {Convert.ToHexStringLower(data[..Math.Min(2, data.Length)])}");
        }

        if (data.Length < FixedHeaderLength)
        {
            return -1;
        }

        if (data[2] != 8)
        {
            throw new ApkFormatException(source, $"gzip member at offset {offset}: compression method expected 8 (deflate), got {data[2]}");
        }

        var flags = data[3];
        if ((flags & ReservedFlags) != 0)
        {
            throw new ApkFormatException(source, $"gzip member at offset {offset}: reserved header flags set ({flags:x2})");
        }

        var position = FixedHeaderLength;
        if ((flags & FlagExtra) != 0)
        {
            if (data.Length < position + 2)
            {
                return -1;
            }

            position += 2 + BinaryPrimitives.ReadUInt16LittleEndian(data[position..]);
        }

        foreach (var flag in (ReadOnlySpan<byte>)[FlagName, FlagComment])
        {
            if ((flags & flag) == 0)
            {
                continue;
            }

            if (position > data.Length)
            {
                return -1;
            }

            var terminator = data[position..].IndexOf((byte)0);
            if (terminator < 0)
            {
                return -1;
            }

            position += terminator + 1;
        }

        // The optional header CRC16 is skipped, not checked: the trailer CRC32 and the signature cover the member.
        if ((flags & FlagHeaderCrc) != 0)
        {
            position += 2;
        }

        return position <= data.Length ? position : -1;
    }

    // The fast way (see the remarks); false leaves the content as it was, for the exact way to fill.
    private static bool TryEndByTrailer(ReadOnlySpan<byte> data, int start, Stream? content, long maxContentLength, out int end)
    {
        end = 0;
        if (content is { CanSeek: false })
        {
            return false;
        }

        var contentStart = content?.Position ?? 0;
        var output = ArrayPool<byte>.Shared.Rent(4 * InputChunk);
        // Deflate input is copied into a pooled array for the stream to read: a window first, as signature and control
        // members are a few hundred bytes at the head of a much longer package, and the whole rest only if needed.
        var window = Math.Min(data.Length - start, TrailerWindow);
        var input = ArrayPool<byte>.Shared.Rent(window);
        var checksum = t_checksum ?? new Crc32();
        t_checksum = null;
        try
        {
            while (true)
            {
                data.Slice(start, window).CopyTo(input);
                checksum.Reset();
                long size = 0;
                using (var inflater = new DeflateStream(new MemoryStream(input, 0, window, writable: false), CompressionMode.Decompress))
                {
                    int produced;
                    while ((produced = inflater.Read(output)) > 0)
                    {
                        size += produced;
                        if (size > maxContentLength)
                        {
                            break;
                        }

                        checksum.Update(new ArraySegment<byte>(output, 0, produced));
                        content?.Write(output, 0, produced);
                    }
                }

                if (size <= maxContentLength && FindTrailer(data, start, start + window, (uint)checksum.Value, (uint)size) is var found and >= 0)
                {
                    end = found + TrailerLength;
                    t_checksum = checksum;
                    return true;
                }

                Rewind(content, contentStart);
                if (size > maxContentLength || window == data.Length - start)
                {
                    t_checksum = checksum;
                    return false;
                }

                window = Math.Min(data.Length - start, 4 * window);
                ArrayPool<byte>.Shared.Return(input);
                input = ArrayPool<byte>.Shared.Rent(window);
            }
        }
        catch (InvalidDataException)
        {
            // Corrupt deflate data: the exact way names the error.
            Rewind(content, contentStart);
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    // The first offset in [start, limit - 8] holding crc and size, followed by a member's magic or the end of the data; -1 if none.
    private static int FindTrailer(ReadOnlySpan<byte> data, int start, int limit, uint crc, uint size)
    {
        Span<byte> trailer = stackalloc byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], size);
        var position = start;
        while (position <= limit - TrailerLength)
        {
            var found = data[position..limit].IndexOf(trailer);
            if (found < 0)
            {
                return -1;
            }

            position += found;
            var next = data[(position + TrailerLength)..];
            if (next.IsEmpty || (next[0] == 0x1f && (next.Length == 1 || next[1] == 0x8b)))
            {
                return position;
            }

            position++;
        }

        return -1;
    }

    private static void Rewind(Stream? content, long position)
    {
        if (content is not null)
        {
            content.SetLength(position);
            content.Position = position;
        }
    }

    private static bool TryInflate(
        ReadOnlySpan<byte> data,
        int memberOffset,
        int start,
        string source,
        Stream? content,
        long maxContentLength,
        out int consumed,
        out uint crc,
        out long size)
    {
        var inflater = t_inflater ?? new Inflater(noHeader: true);
        var checksum = t_checksum ?? new Crc32();
        t_inflater = null;
        t_checksum = null;
        inflater.Reset();
        checksum.Reset();
        var input = ArrayPool<byte>.Shared.Rent(InputChunk);
        var output = ArrayPool<byte>.Shared.Rent(4 * InputChunk);
        try
        {
            var fed = start;
            var chunk = FirstInputChunk;
            while (!inflater.IsFinished)
            {
                if (inflater.IsNeedingInput)
                {
                    if (fed == data.Length)
                    {
                        consumed = 0;
                        crc = 0;
                        size = 0;
                        Keep(inflater, checksum);
                        return false;
                    }

                    var count = Math.Min(chunk, data.Length - fed);
                    chunk = Math.Min(2 * chunk, InputChunk);
                    data.Slice(fed, count).CopyTo(input);
                    inflater.SetInput(input, 0, count);
                    fed += count;
                }

                var produced = inflater.Inflate(output);
                if (produced == 0)
                {
                    if (!inflater.IsNeedingInput && !inflater.IsFinished)
                    {
                        throw new ApkFormatException(source, $"gzip member at offset {memberOffset}: deflate data cannot be decoded (preset dictionary or no progress)");
                    }

                    continue;
                }

                checksum.Update(new ArraySegment<byte>(output, 0, produced));
                if (inflater.TotalOut > maxContentLength)
                {
                    throw new ApkFormatException(source, $"gzip member at offset {memberOffset}: decompresses to more than {maxContentLength} bytes");
                }

                content?.Write(output, 0, produced);
            }

            consumed = fed - inflater.RemainingInput - start;
            crc = (uint)checksum.Value;
            size = inflater.TotalOut;
            Keep(inflater, checksum);
            return true;
        }
        catch (Exception error) when (error is SharpZipBaseException or IndexOutOfRangeException or InvalidOperationException)
        {
            // SharpZipLib reports some corrupt streams with IndexOutOfRangeException rather than its own type.
            var detail = error is SharpZipBaseException ? $": {error.Message}" : "";
            throw new ApkFormatException(source, $"gzip member at offset {memberOffset}: corrupt deflate data{detail}", error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    private static void Keep(Inflater inflater, Crc32 checksum)
    {
        t_inflater = inflater;
        t_checksum = checksum;
    }
}
