using AlpineMirror.Apk;
using AlpineMirror.Storage;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;

namespace AlpineMirror.Demo;

/// <summary>
/// Signs release files as Alpine's release tooling does (<c>gpg --armor --detach-sign</c>, RSA, SHA-512), with an
/// OpenPGP key made from a <see cref="SigningKey"/>: the same key and file give the same <c>.asc</c>.
/// </summary>
public sealed class ReleaseSigner
{
    /// <summary>The file name <see cref="WritePublicKey"/> uses.</summary>
    public const string PublicKeyFileName = "release-signing-key.asc";

    // Fixed, so that the key id and fingerprint depend on the RSA key only.
    private static readonly DateTime KeyCreated = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly PgpKeyPair _pair;
    private readonly string _userId;

    private ReleaseSigner(PgpKeyPair pair, string userId)
    {
        _pair = pair;
        _userId = userId;
    }

    /// <summary>The OpenPGP fingerprint, upper-case hex, as <c>ReleaseSigningKeys.Fingerprints</c> lists it.</summary>
    public string Fingerprint => Convert.ToHexString(_pair.PublicKey.GetFingerprint());

    /// <summary>The OpenPGP key over <paramref name="key"/>'s RSA key, with <paramref name="userId"/> on it.</summary>
    public static ReleaseSigner From(SigningKey key, string userId = "AlpineMirror demo releases <demo@alpinemirror.test>")
    {
        ArgumentNullException.ThrowIfNull(key);
        var pair = DotNetUtilities.GetRsaKeyPair(key.ExportPrivateParameters());
        return new ReleaseSigner(new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, pair, KeyCreated), userId);
    }

    /// <summary>An armored detached signature of <paramref name="content"/>, made at <paramref name="signedAt"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> content, DateTimeOffset signedAt)
    {
        var generator = new PgpSignatureGenerator(PublicKeyAlgorithmTag.RsaGeneral, HashAlgorithmTag.Sha512);
        generator.InitSign(PgpSignature.BinaryDocument, _pair.PrivateKey);
        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetSignatureCreationTime(false, signedAt.UtcDateTime);
        hashed.SetIssuerFingerprint(false, _pair.PublicKey);
        generator.SetHashedSubpackets(hashed.Generate());
        var unhashed = new PgpSignatureSubpacketGenerator();
        unhashed.SetIssuerKeyID(false, _pair.KeyId);
        generator.SetUnhashedSubpackets(unhashed.Generate());
        generator.Update(content);
        return Armored(generator.Generate().Encode);
    }

    /// <summary>Writes the armored public key, self-certified with the user id (dated like the key, so the file is the same each time), as <c>&lt;directory&gt;/release-signing-key.asc</c>.</summary>
    public string WritePublicKey(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var certification = new PgpSignatureSubpacketGenerator();
        certification.SetSignatureCreationTime(false, KeyCreated);
        certification.SetKeyFlags(false, PgpKeyFlags.CanSign | PgpKeyFlags.CanCertify);
        var generator = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, _pair, _userId,
            SymmetricKeyAlgorithmTag.Aes256, Array.Empty<char>(), true, certification.Generate(), null, new SecureRandom());
        var path = Path.Combine(Directory.CreateDirectory(directory).FullName, PublicKeyFileName);
        AtomicFile.WriteAllBytes(path, Armored(generator.GeneratePublicKeyRing().Encode));
        return path;
    }

    private static byte[] Armored(Action<Stream> encode)
    {
        using var buffer = new MemoryStream();
        using (var armor = new ArmoredOutputStream(buffer))
        {
            encode(armor);
        }

        return buffer.ToArray();
    }
}
