using System.Globalization;
using System.Security.Cryptography;
using AlpineMirror.Apk;
using AlpineMirror.Upstream;

namespace AlpineMirror.Mirroring;

/// <summary>
/// A release image checked against its <c>size</c> and <c>sha256</c> in latest-releases.yaml and, when release keys are
/// configured, its detached OpenPGP signature: the bytes pass once through both.
/// </summary>
internal sealed class ReleaseImageStreamCheck(string source, long size, string sha256, ReleaseSignatureCheck? signature = null) : IStreamCheck
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _received;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        _received += chunk.Length;
        if (_received > size)
        {
            throw new ChecksumMismatchException(source, "size", Text(size), $"more than {Text(size)} bytes");
        }

        _hash.AppendData(chunk);
        signature?.Append(chunk);
    }

    public void Complete()
    {
        if (_received != size)
        {
            throw new ChecksumMismatchException(source, "size", Text(size), Text(_received));
        }

        var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ChecksumMismatchException(source, "sha256", sha256, actual);
        }

        // After the sha256: a signature is only worth checking over the bytes latest-releases.yaml announced.
        signature?.Complete();
    }

    public void Dispose() => _hash.Dispose();

    private static string Text(long bytes) => bytes.ToString(CultureInfo.InvariantCulture);
}
