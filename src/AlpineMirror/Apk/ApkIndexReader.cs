using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace AlpineMirror.Apk;

/// <summary>Reads an <c>APKINDEX.tar.gz</c>: verifies its signature with the trusted keys first, then parses it (APK-FORMAT.md §2).</summary>
public static class ApkIndexReader
{
    // Real indexes are under 2 MB compressed; the cap keeps a hostile server from filling memory.
    private const int MaxIndexLength = 64 * 1024 * 1024;
    private const int MaxSignatureSegmentLength = 1024 * 1024;
    private const int MaxDescriptionLength = 4096;
    // Bytes decoded per read; the char buffer StreamReader sizes from it stays below the 85,000-byte large object
    // threshold, so reading an index does not churn the large object heap.
    private const int TextBufferLength = 16 * 1024;
    private const string IndexEntryName = "APKINDEX";
    private const string DescriptionEntryName = "DESCRIPTION";

    /// <summary>Reads the index file at <paramref name="path"/>.</summary>
    /// <exception cref="SignatureException">No trusted signature verifies.</exception>
    /// <exception cref="ApkFormatException">The file is not a well-formed index.</exception>
    public static ApkIndex Read(string path, TrustedKeys keys)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(File.ReadAllBytes(path), path, keys);
    }

    /// <summary>Reads an index from <paramref name="stream"/>; <paramref name="source"/> (a URL or path) names it in errors.</summary>
    /// <exception cref="SignatureException">No trusted signature verifies.</exception>
    /// <exception cref="ApkFormatException">The data is not a well-formed index.</exception>
    public static async Task<ApkIndex> ReadAsync(Stream stream, string source, TrustedKeys keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(keys);

        // The signature covers the whole compressed index, so it is verified before any of it is parsed;
        // holding the compressed bytes is cheap, the text is still streamed.
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxIndexLength)
            {
                throw new ApkFormatException(source, $"index is larger than {MaxIndexLength} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return Read(new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), source, keys);
    }

    /// <summary>Reads an index held in memory.</summary>
    /// <exception cref="SignatureException">No trusted signature verifies.</exception>
    /// <exception cref="ApkFormatException">The data is not a well-formed index.</exception>
    public static ApkIndex Read(ReadOnlyMemory<byte> data, string source, TrustedKeys keys)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(keys);
        var signature = Verify(data.Span, source, keys, out var signedStart);
        var (description, entries) = Parse(data[signedStart..], source);
        return new ApkIndex
        {
            Description = description,
            Entries = entries,
            SignedBy = signature.KeyName,
            SignatureAlgorithm = signature.Algorithm,
        };
    }

    private static ApkSignature Verify(ReadOnlySpan<byte> data, string source, TrustedKeys keys, out int signedStart)
    {
        using var signatureTar = new MemoryStream();
        var signatureMember = GzipMembers.ReadMember(data, 0, source, signatureTar, MaxSignatureSegmentLength);
        signatureTar.Position = 0;
        var signatures = ApkSignatureReader.Read(signatureTar, source);
        if (signatures.Count == 0)
        {
            throw new SignatureException(source, "not signed: the first gzip member holds no .SIGN.* entry");
        }

        signedStart = signatureMember.End;
        if (signedStart == data.Length)
        {
            throw new ApkFormatException(source, $"nothing follows the signature member (offset {signedStart})");
        }

        return keys.VerifyAny(signatures, data[signedStart..], source);
    }

    private static (string? Description, List<ApkIndexEntry> Entries) Parse(ReadOnlyMemory<byte> signed, string source)
    {
        string? description = null;
        List<ApkIndexEntry>? entries = null;
        try
        {
            using var compressed = AsStream(signed);
            using var tar = new GZipStream(compressed, CompressionMode.Decompress);
            using var reader = new TarReader(tar);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                switch (entry.Name)
                {
                    case IndexEntryName when entries is not null:
                        throw new ApkFormatException(source, "the index holds two APKINDEX entries");
                    case IndexEntryName when entry.DataStream is null:
                        entries = [];
                        break;
                    case IndexEntryName:
                        using (var text = new StreamReader(entry.DataStream, Encoding.UTF8, false, TextBufferLength, leaveOpen: true))
                        {
                            entries = [.. ApkIndexParser.Parse(text, $"{source}/{IndexEntryName}")];
                        }

                        break;
                    case DescriptionEntryName when entry.Length > MaxDescriptionLength:
                        throw new ApkFormatException(source, $"DESCRIPTION is {entry.Length} bytes, more than {MaxDescriptionLength}");
                    case DescriptionEntryName when entry.DataStream is null:
                        // TarReader gives empty entries no data stream; melange writes an empty DESCRIPTION.
                        description = "";
                        break;
                    case DescriptionEntryName:
                        using (var text = new StreamReader(entry.DataStream, Encoding.UTF8, false, leaveOpen: true))
                        {
                            description = text.ReadToEnd().TrimEnd('\n');
                        }

                        break;
                }
            }
        }
        catch (Exception error) when (MalformedTar.Is(error))
        {
            throw new ApkFormatException(source, $"malformed index tar.gz after the signature: {MalformedTar.Describe(error)}", error);
        }

        return entries is null
            ? throw new ApkFormatException(source, "no APKINDEX entry in the index")
            : (description, entries);
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);
}
