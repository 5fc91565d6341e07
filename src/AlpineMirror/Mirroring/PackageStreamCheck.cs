using AlpineMirror.Apk;

namespace AlpineMirror.Mirroring;

/// <summary>A package checked against its signed index entry: S:, C:, datahash, P: and V:.</summary>
internal sealed class PackageStreamCheck(ApkIndexEntry entry, string source) : IStreamCheck
{
    private readonly PackageVerifier _verifier = new(entry, source);

    public void Append(ReadOnlySpan<byte> chunk) => _verifier.Append(chunk);

    public void Complete() => _verifier.Complete();

    public void Dispose() => _verifier.Dispose();
}
