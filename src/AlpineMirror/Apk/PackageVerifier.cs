using System.Buffers;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AlpineMirror.Apk;

/// <summary>
/// Verifies a v2 <c>.apk</c> against its entry in a trusted index while the bytes stream past, as apk does on install
/// (APK-FORMAT.md §1.3, §1.5): size = <c>S:</c>, digest of the raw control member = <c>C:</c>, SHA-256 of the raw bytes
/// after it = <c>datahash</c> from <c>.PKGINFO</c>, and <c>pkgname</c>/<c>pkgver</c> = <c>P:</c>/<c>V:</c>.
/// </summary>
/// <remarks>
/// Feed the download to <see cref="Append"/> and call <see cref="Complete"/> at its end. Only the small leading
/// members (signature and control) are buffered, to find their exact boundaries; the data member is hashed as it
/// passes. <c>C:</c> authenticates the control member through the signed index, and the control member's
/// <c>datahash</c> authenticates the rest; given trusted keys, the package's own <c>.SIGN.*</c> must also verify over
/// the control member, as <c>apk verify</c> on the mirror demands. <c>arch</c> is not compared: Alpine indexes list
/// <c>noarch</c> packages under the repository's architecture.
/// </remarks>
public sealed class PackageVerifier : IDisposable
{
    // Control members hold .PKGINFO and install scripts, a few kilobytes; the cap bounds memory on hostile input.
    private const int MaxHeadLength = 16 * 1024 * 1024;
    private const string PackageInfoName = ".PKGINFO";

    // The inflated signature and control tars are read within one call, so a thread can reuse one buffer for them;
    // one grown past this (a hostile control member) is dropped rather than kept for the life of the thread.
    private const int MaxRetainedTarCapacity = 1024 * 1024;

    [ThreadStatic]
    private static MemoryStream? t_tar;

    private readonly ApkIndexEntry _entry;
    private readonly string _source;
    private readonly ApkChecksum _identity;
    private readonly TrustedKeys? _packageKeys;
    private IReadOnlyList<ApkSignature>? _signatures;
    private byte[]? _head;
    private int _headLength;
    private bool _headRead;
    private int _nextAttemptLength;
    private GzipMemberRange? _firstMember;
    private bool _firstIsSignature;
    private IncrementalHash? _identityHash;
    private IncrementalHash? _dataHash;
    private PackageInfo? _packageInfo;
    private long _received;
    private bool _completed;

    /// <param name="entry">The package's record from an index whose signature has been verified.</param>
    /// <param name="source">The URL or path named in errors.</param>
    /// <param name="packageKeys">
    /// The keys the package's own signature must verify with (apk's <c>/etc/apk/keys</c>); null checks only the
    /// index's <c>C:</c> chain.
    /// </param>
    /// <exception cref="ApkFormatException">The entry's <c>C:</c> is not a checksum apk understands.</exception>
    public PackageVerifier(ApkIndexEntry entry, string source, TrustedKeys? packageKeys = null)
    {
        _packageKeys = packageKeys;
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(source);
        _entry = entry;
        _source = source;
        _identity = ApkChecksum.TryParse(entry.Checksum, out var identity, out var error)
            ? identity!
            : throw new ApkFormatException(source, $"C: {error}");
    }

    /// <summary>Reads <paramref name="stream"/> to its end once and verifies it.</summary>
    /// <exception cref="ChecksumMismatchException">Field S, C, datahash, P or V differs from the entry.</exception>
    /// <exception cref="ApkFormatException">The package is not a well-formed v2 .apk.</exception>
    public static async Task VerifyAsync(Stream stream, ApkIndexEntry entry, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var verifier = new PackageVerifier(entry, source);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                verifier.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        verifier.Complete();
    }

    /// <summary>Feeds the next bytes of the package; fails as early as a mismatch is certain.</summary>
    /// <exception cref="ChecksumMismatchException">More bytes than S, or the control member does not match C.</exception>
    /// <exception cref="ApkFormatException">The leading members are not well-formed.</exception>
    public void Append(ReadOnlySpan<byte> chunk)
    {
        ThrowIfCompleted();
        if (chunk.IsEmpty)
        {
            return;
        }

        _received += chunk.Length;
        if (_received > _entry.Size)
        {
            throw new ChecksumMismatchException(_source, "S", Size(_entry.Size), $"more than {_entry.Size} bytes");
        }

        if (_headRead)
        {
            HashData(chunk);
            return;
        }

        if (_headLength == 0)
        {
            // The whole head usually arrives in the first chunk: read it there, without copying anything.
            if (TryReadHead(chunk, final: false))
            {
                return;
            }

            BufferHead(chunk);
        }
        else
        {
            BufferHead(chunk);

            // Retrying only after the buffer doubled keeps small network reads from re-inflating the head each time.
            if ((_headLength < _nextAttemptLength && _headLength <= MaxHeadLength) || TryReadHead(BufferedHead, final: false))
            {
                return;
            }
        }

        if (_headLength > MaxHeadLength)
        {
            throw new ApkFormatException(_source, $"no complete control member in the first {MaxHeadLength} bytes");
        }

        _nextAttemptLength = _headLength * 2;
    }

    /// <summary>Checks what can only be checked at the end of the package.</summary>
    /// <exception cref="ChecksumMismatchException">Field S, C, datahash, P or V differs from the entry.</exception>
    /// <exception cref="ApkFormatException">The package is not a well-formed v2 .apk.</exception>
    public void Complete()
    {
        ThrowIfCompleted();
        _completed = true;
        if (_received != _entry.Size)
        {
            throw new ChecksumMismatchException(_source, "S", Size(_entry.Size), Size(_received));
        }

        if (!_headRead)
        {
            TryReadHead(BufferedHead, final: true);
        }

        var info = _packageInfo!;
        if (_dataHash is not null)
        {
            Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
            _dataHash.GetHashAndReset(actual);
            if (!CryptographicOperations.FixedTimeEquals(actual, info.DataHash))
            {
                throw new ChecksumMismatchException(
                    _source, "datahash", Convert.ToHexStringLower(info.DataHash), Convert.ToHexStringLower(actual));
            }
        }
        else
        {
            // Legacy package without datahash: C: covers control and data, so it is only known now.
            RequireIdentity(_identityHash!.GetHashAndReset());
            RequireNameAndVersion(info);
        }
    }

    public void Dispose()
    {
        _completed = true;
        _identityHash?.Dispose();
        _dataHash?.Dispose();
        ReleaseHead();
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException($"{_source}: the verification already completed");
        }
    }

    private string Detail(ApkFormatException error) =>
        error.Message.StartsWith($"{_source}: ", StringComparison.Ordinal) ? error.Message[(_source.Length + 2)..] : error.Message;

    private static string Size(long bytes) => bytes.ToString(CultureInfo.InvariantCulture);

    private ReadOnlySpan<byte> BufferedHead => _head.AsSpan(0, _headLength);

    private void HashData(ReadOnlySpan<byte> bytes)
    {
        if (_dataHash is not null)
        {
            _dataHash.AppendData(bytes);
        }
        else
        {
            _identityHash!.AppendData(bytes);
        }
    }

    // Keeps the leading bytes until the head is complete; the buffer comes from the shared pool and goes back to it.
    private void BufferHead(ReadOnlySpan<byte> chunk)
    {
        var length = _headLength + chunk.Length;
        if (_head is null || _head.Length < length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(length, 2 * (_head?.Length ?? 0)));
            BufferedHead.CopyTo(grown);
            ReleaseHead();
            _head = grown;
        }

        chunk.CopyTo(_head.AsSpan(_headLength));
        _headLength = length;
    }

    private void ReleaseHead()
    {
        if (_head is not null)
        {
            ArrayPool<byte>.Shared.Return(_head);
            _head = null;
        }
    }

    // Finds the signature (if any) and control members at the start of the package; false when more bytes are needed.
    private bool TryReadHead(ReadOnlySpan<byte> head, bool final)
    {
        var tar = t_tar ?? new MemoryStream();
        t_tar = null;
        try
        {
            tar.SetLength(0);
            if (_firstMember is null)
            {
                if (!TryReadMember(head, 0, tar, final, out var member))
                {
                    return false;
                }

                _firstMember = member;
                _firstIsSignature = StartsWithSignature(tar);
                if (_firstIsSignature && _packageKeys is not null)
                {
                    _signatures = ApkSignatureReader.Read(tar, _source);
                }
            }

            // Unsigned package: apk takes a first member without .SIGN.* entries as the control member. Such a package
            // completes in the call that found its first member, so tar still holds that member then.
            var first = _firstMember.Value;
            var control = first;
            if (_firstIsSignature)
            {
                tar.SetLength(0);
                try
                {
                    if (!TryReadMember(head, first.End, tar, final, out control))
                    {
                        return false;
                    }
                }
                catch (ApkFormatException error)
                {
                    // C: covers these bytes, so a damaged control member is a mismatch of C:, whatever broke first.
                    throw new ChecksumMismatchException(_source, "C", _entry.Checksum, $"an unreadable control member ({Detail(error)})");
                }
            }

            ReadControl(head.Slice(control.Offset, control.Length), tar);
            VerifySignature(head.Slice(control.Offset, control.Length));
            _headRead = true;
            HashData(head[control.End..]);
            ReleaseHead();
            return true;
        }
        finally
        {
            if (tar.Capacity <= MaxRetainedTarCapacity)
            {
                t_tar = tar;
            }
        }
    }

    // C: is checked before .PKGINFO is trusted; only a legacy package without datahash has to wait for the end.
    private void ReadControl(ReadOnlySpan<byte> control, MemoryStream controlTar)
    {
        Span<byte> controlDigest = stackalloc byte[SHA256.HashSizeInBytes];
        controlDigest = controlDigest[..CryptographicOperations.HashData(_identity.Algorithm, control, controlDigest)];
        if (_identity.Matches(controlDigest))
        {
            _packageInfo = ReadPackageInfo(controlTar);
            if (_packageInfo.DataHash.Length == 0)
            {
                throw new ApkFormatException(_source, "C: matches the control member but .PKGINFO has no datahash, so nothing authenticates the data");
            }

            RequireNameAndVersion(_packageInfo);
            _dataHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            return;
        }

        var actual = FormatIdentity(controlDigest);
        try
        {
            _packageInfo = ReadPackageInfo(controlTar);
        }
        catch (ApkFormatException)
        {
            throw new ChecksumMismatchException(_source, "C", _entry.Checksum, actual);
        }

        if (_packageInfo.DataHash.Length > 0)
        {
            throw new ChecksumMismatchException(_source, "C", _entry.Checksum, actual);
        }

        _identityHash = IncrementalHash.CreateHash(_identity.Algorithm);
        _identityHash.AppendData(control);
    }

    // After C: matched: the signature covers the very control member the index vouches for (APK-FORMAT.md §1.3).
    private void VerifySignature(ReadOnlySpan<byte> control)
    {
        if (_packageKeys is null)
        {
            return;
        }

        if (_dataHash is null)
        {
            // A legacy package's signature covers the data too; apk-tools 3 no longer indexes such packages.
            throw new ApkFormatException(_source, "package signature: expected a package with datahash, whose signature covers the control member only");
        }

        _packageKeys.VerifyAny(_firstIsSignature ? _signatures! : [], control, _source);
    }

    private bool TryReadMember(ReadOnlySpan<byte> head, int offset, MemoryStream tar, bool final, out GzipMemberRange member)
    {
        if (final)
        {
            member = GzipMembers.ReadMember(head, offset, _source, tar, MaxHeadLength);
            tar.Position = 0;
            return true;
        }

        if (!GzipMembers.TryReadMember(head, offset, _source, out member, tar, MaxHeadLength))
        {
            return false;
        }

        tar.Position = 0;
        return true;
    }

    private bool StartsWithSignature(MemoryStream tar)
    {
        tar.Position = 0;
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            var first = reader.GetNextEntry(copyData: false);
            return first is not null && first.Name.StartsWith(ApkSignatureReader.Prefix, StringComparison.Ordinal);
        }
        catch (Exception error) when (MalformedTar.Is(error))
        {
            throw new ApkFormatException(_source, $"malformed tar in the first gzip member: {MalformedTar.Describe(error)}", error);
        }
        finally
        {
            tar.Position = 0;
        }
    }

    private PackageInfo ReadPackageInfo(MemoryStream controlTar)
    {
        try
        {
            using var reader = new TarReader(controlTar, leaveOpen: true);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.Name == PackageInfoName && entry.DataStream is not null)
                {
                    return entry.Length <= PackageInfo.MaxLength
                        ? PackageInfo.Parse(entry.DataStream, (int)entry.Length, _source)
                        : throw new ApkFormatException(_source, $".PKGINFO: expected at most {PackageInfo.MaxLength} bytes, the tar header says {entry.Length}");
                }
            }
        }
        catch (Exception error) when (MalformedTar.Is(error))
        {
            throw new ApkFormatException(_source, $"malformed control tar: {MalformedTar.Describe(error)}", error);
        }

        throw new ApkFormatException(_source, "the control member has no .PKGINFO");
    }

    private void RequireIdentity(ReadOnlySpan<byte> digest)
    {
        if (!_identity.Matches(digest))
        {
            throw new ChecksumMismatchException(_source, "C", _entry.Checksum, FormatIdentity(digest));
        }
    }

    private string FormatIdentity(ReadOnlySpan<byte> digest) =>
        _identity.Algorithm == HashAlgorithmName.SHA1 ? ApkChecksum.FormatSha1(digest) : "Q2" + Convert.ToBase64String(digest);

    private void RequireNameAndVersion(PackageInfo info)
    {
        if (info.Name != _entry.Name)
        {
            throw new ChecksumMismatchException(_source, "P", _entry.Name, $"pkgname {info.Name}");
        }

        if (info.Version != _entry.Version)
        {
            throw new ChecksumMismatchException(_source, "V", _entry.Version, $"pkgver {info.Version}");
        }
    }

    /// <summary>The <c>.PKGINFO</c> fields the verification needs (APK-FORMAT.md §1.2).</summary>
    private sealed record PackageInfo(string Name, string Version, byte[] DataHash)
    {
        // Real ones are a few kilobytes; the cap keeps a tar header's claimed size from sizing a buffer.
        public const int MaxLength = 1 << 20;

        /// <summary>Reads the <c>key = value</c> lines of a .PKGINFO of <paramref name="length"/> bytes.</summary>
        /// <remarks>
        /// Every package mirrored is read: the text is decoded whole into pooled buffers and split where
        /// <see cref="TextReader.ReadLine"/> would (LF, CR or CRLF), and only the three values kept become strings.
        /// </remarks>
        public static PackageInfo Parse(Stream data, int length, string source)
        {
            var bytes = ArrayPool<byte>.Shared.Rent(length);
            var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(length));
            try
            {
                data.ReadExactly(bytes, 0, length);
                var text = chars.AsSpan(0, Encoding.UTF8.GetChars(bytes.AsSpan(0, length), chars));
                return Parse(text, source);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars);
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }

        private static PackageInfo Parse(ReadOnlySpan<char> text, string source)
        {
            string? name = null;
            string? version = null;
            var dataHash = Array.Empty<byte>();
            while (!text.IsEmpty)
            {
                var end = text.IndexOfAny('\r', '\n');
                var line = end < 0 ? text : text[..end];
                text = end < 0 ? [] : text[(end + (text[end] == '\r' && end + 1 < text.Length && text[end + 1] == '\n' ? 2 : 1))..];

                var separator = line.IndexOf(" = ", StringComparison.Ordinal);
                if (line.StartsWith('#') || separator < 0)
                {
                    continue;
                }

                var value = line[(separator + 3)..];
                switch (line[..separator])
                {
                    case "pkgname":
                        name = value.ToString();
                        break;
                    case "pkgver":
                        version = value.ToString();
                        break;
                    case "datahash":
                        dataHash = value.Length == 64 && !value.ContainsAnyExcept("0123456789abcdefABCDEF")
                            ? Convert.FromHexString(value)
                            : throw new ApkFormatException(source, $".PKGINFO datahash: expected 64 hex digits, got {QuotedText.Of(value.ToString())}");
                        break;
                }
            }

            return new PackageInfo(
                name ?? throw new ApkFormatException(source, ".PKGINFO has no pkgname"),
                version ?? throw new ApkFormatException(source, ".PKGINFO has no pkgver"),
                dataHash);
        }
    }
}
