using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace AlpineMirror.Upstream;

/// <summary>
/// A detached, armored OpenPGP signature as upstream publishes beside a release image (<c>&lt;image&gt;.asc</c>, made
/// by <c>gpg --armor --detach-sign</c>). Parsing proves only its form; <see cref="Check"/> verifies the signed file.
/// </summary>
public sealed class ReleaseSignature
{
    /// <summary>A detached signature is under a kilobyte; anything larger is not one.</summary>
    public const int MaxBytes = 64 * 1024;

    private const string ArmorHeader = "-----BEGIN PGP SIGNATURE-----";

    // Digests gpg still accepts for data signatures; Alpine signs with SHA-512.
    private static readonly HashSet<HashAlgorithmTag> StrongDigests =
        [HashAlgorithmTag.Sha224, HashAlgorithmTag.Sha256, HashAlgorithmTag.Sha384, HashAlgorithmTag.Sha512];

    private readonly PgpSignature _signature;

    private ReleaseSignature(string source, PgpSignature signature)
    {
        Source = source;
        _signature = signature;
    }

    /// <summary>Where the signature came from, named in errors.</summary>
    public string Source { get; }

    /// <summary>The signing key's id, as gpg prints it (16 upper-case hex digits).</summary>
    public string KeyId => _signature.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads one armored detached signature of a binary document.</summary>
    /// <exception cref="ReleaseSignatureException">The bytes are not exactly that: text, HTML, a key, a cleartext message, a weak digest.</exception>
    public static ReleaseSignature Parse(ReadOnlySpan<byte> asc, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (asc.Length > MaxBytes)
        {
            throw Invalid(source, $"expected at most {MaxBytes} bytes, got {asc.Length}");
        }

        // Armor is text: anything before the header (an HTML page, "<script>") is refused, not skipped as gpg would.
        var text = Encoding.ASCII.GetString(asc).TrimStart();
        if (!text.StartsWith(ArmorHeader, StringComparison.Ordinal))
        {
            throw Invalid(source, $"expected an armored OpenPGP signature starting with {ArmorHeader}, got '{UpstreamLayout.Printable(Shorten(text))}'");
        }

        PgpSignature signature;
        try
        {
            using var armored = new ArmoredInputStream(new MemoryStream(asc.ToArray(), writable: false));
            var factory = new PgpObjectFactory(armored);
            if (factory.NextPgpObject() is not PgpSignatureList { Count: 1 } list)
            {
                throw Invalid(source, "expected exactly one OpenPGP signature packet");
            }

            signature = list[0];
            if (factory.NextPgpObject() is not null)
            {
                throw Invalid(source, "expected one OpenPGP signature packet, got more packets after it");
            }
        }
        catch (Exception e) when (e is IOException or PgpException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw Invalid(source, ExceptionText.OneLine(e), e);
        }

        if (signature.SignatureType != PgpSignature.BinaryDocument)
        {
            throw Invalid(source, $"signature type: expected 0x00 (binary document), got 0x{signature.SignatureType:x2}");
        }

        if (!StrongDigests.Contains(signature.HashAlgorithm))
        {
            throw Invalid(source, $"digest: expected SHA-224, SHA-256, SHA-384 or SHA-512, got {signature.HashAlgorithm}");
        }

        return new ReleaseSignature(source, signature);
    }

    /// <summary>Starts checking the signed file, whose bytes are then fed to the check.</summary>
    /// <param name="signedFile">The file or URL the signature is for, named in errors.</param>
    /// <exception cref="ReleaseSignatureException">No key of <paramref name="keys"/> has the signature's key id.</exception>
    public ReleaseSignatureCheck Check(ReleaseSigningKeys keys, string signedFile)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(signedFile);
        var key = keys.Find(_signature.KeyId)
            ?? throw new ReleaseSignatureException(signedFile,
                $"OpenPGP signature {Source}: made by key {KeyId}, which is not a release key; release keys ({keys.Location}): {string.Join(", ", keys.Fingerprints)}");
        // PgpSignature keeps the running digest: a parsed signature serves one check only, so each check gets its own copy.
        var copy = new PgpObjectFactory(_signature.GetEncoded()).NextPgpObject() is PgpSignatureList { Count: 1 } again
            ? again[0]
            : throw new InvalidOperationException("a parsed signature did not re-read");
        copy.InitVerify(key);
        return new ReleaseSignatureCheck(copy, signedFile, this);
    }

    private static ReleaseSignatureException Invalid(string source, string detail, Exception? inner = null) =>
        new(source, $"not a detached OpenPGP signature: {detail}", inner);

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
