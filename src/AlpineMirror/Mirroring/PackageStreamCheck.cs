using AlpineMirror.Apk;

namespace AlpineMirror.Mirroring;

/// <summary>A package checked against its signed index entry (S:, C:, datahash, P: and V:) and, given keys, its own signature.</summary>
internal sealed class PackageStreamCheck(ApkIndexEntry entry, string source, TrustedKeys? packageKeys) : IStreamCheck
{
    private readonly PackageVerifier _verifier = new(entry, source, packageKeys);

    public void Append(ReadOnlySpan<byte> chunk) => _verifier.Append(chunk);

    public void Complete() => _verifier.Complete();

    public void Dispose() => _verifier.Dispose();
}
