using Org.BouncyCastle.Bcpg.OpenPgp;

namespace AlpineMirror.Upstream;

/// <summary>One verification of a signed release file: its bytes are fed as they stream, the signature checked at the end.</summary>
public sealed class ReleaseSignatureCheck
{
    private readonly PgpSignature _signature;
    private readonly string _signedFile;
    private readonly ReleaseSignature _origin;

    internal ReleaseSignatureCheck(PgpSignature signature, string signedFile, ReleaseSignature origin)
    {
        _signature = signature;
        _signedFile = signedFile;
        _origin = origin;
    }

    /// <summary>Feeds the next bytes of the signed file.</summary>
    public void Append(ReadOnlySpan<byte> chunk) => _signature.Update(chunk);

    /// <summary>Verifies the signature over every byte fed.</summary>
    /// <exception cref="ReleaseSignatureException">The signature does not verify: the file or the signature was changed.</exception>
    public void Complete()
    {
        bool verified;
        try
        {
            verified = _signature.Verify();
        }
        catch (PgpException e)
        {
            throw new ReleaseSignatureException(_signedFile, $"OpenPGP signature {_origin.Source}: {ExceptionText.OneLine(e)}", e);
        }

        if (!verified)
        {
            throw new ReleaseSignatureException(_signedFile,
                $"OpenPGP signature {_origin.Source}: BAD signature by release key {_origin.KeyId}: the file differs from what was signed");
        }
    }
}
