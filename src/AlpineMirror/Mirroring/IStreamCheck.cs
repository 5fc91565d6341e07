namespace AlpineMirror.Mirroring;

/// <summary>Verifies a file while its bytes pass by, so nothing unverified is ever renamed into place.</summary>
internal interface IStreamCheck : IDisposable
{
    /// <summary>Feeds the next bytes; throws as soon as a mismatch is certain.</summary>
    /// <exception cref="Apk.ChecksumMismatchException">More bytes than expected, or a digest already differs.</exception>
    /// <exception cref="Apk.ApkFormatException">A package whose leading members are malformed.</exception>
    void Append(ReadOnlySpan<byte> chunk);

    /// <summary>Checks size and digests once every byte was fed.</summary>
    /// <exception cref="Apk.ChecksumMismatchException">Size or a digest differs.</exception>
    /// <exception cref="Apk.ApkFormatException">A package that is not a well-formed v2 .apk.</exception>
    void Complete();
}
