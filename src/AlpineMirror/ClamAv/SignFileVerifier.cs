using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AlpineMirror.ClamAv;

/// <summary>
/// Checks ClamAV 1.5's detached <c>.sign</c> files (CLAMAV-FORMAT.md §4): <c>#clamsign-1.0</c>, then lines
/// <c>&lt;min flevel&gt;:&lt;max flevel&gt;:pkcs7-pem:&lt;base64 DER&gt;</c>, each a CMS signature over the whole signed
/// file; one must verify and chain to a CA of the configured folder.
/// </summary>
public sealed class SignFileVerifier
{
    private const string Magic = "#clamsign-1.0";
    private readonly X509Certificate2Collection? _authorities;

    private SignFileVerifier(X509Certificate2Collection? authorities) => _authorities = authorities;

    /// <summary>A verifier that checks the format only: no CA folder was configured.</summary>
    public static SignFileVerifier FormatOnly { get; } = new(null);

    /// <summary>A verifier trusting the CA certificates (PEM or DER, any file name) in <paramref name="directory"/>.</summary>
    /// <exception cref="ClamAvCertificatesException">The folder is missing or holds no certificate.</exception>
    public static SignFileVerifier FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ClamAvCertificatesException(directory, "the CA certificate folder does not exist");
        }

        var authorities = new X509Certificate2Collection();
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            try
            {
                authorities.Add(X509CertificateLoader.LoadCertificateFromFile(file));
            }
            catch (CryptographicException)
            {
                // README files and the like: only certificates count.
            }
        }

        return authorities.Count > 0
            ? new SignFileVerifier(authorities)
            : throw new ClamAvCertificatesException(directory, "expected CA certificates (.crt, PEM or DER), found none");
    }

    /// <summary>Whether CMS signatures are checked, not only the format.</summary>
    public bool ChecksSignatures => _authorities is not null;

    /// <summary>Verifies <paramref name="signPath"/> for the signed file <paramref name="signedPath"/>.</summary>
    /// <exception cref="ClamAvFormatException">Malformed, or no signature verifies and chains to a configured CA.</exception>
    public void Verify(string signPath, string signedPath, string source)
    {
        var lines = File.ReadAllLines(signPath, Encoding.ASCII).Where(l => l.Length > 0).ToList();
        if (lines.Count < 2 || lines[0] != Magic)
        {
            throw new ClamAvFormatException(source, $"expected '{Magic}' and at least one signature line, got {lines.Count} lines starting '{lines.FirstOrDefault()}'");
        }

        var signatures = lines.Skip(1).Select((line, index) => Decode(line, index + 2, source)).ToList();
        if (_authorities is null)
        {
            return;
        }

        var content = new ContentInfo(File.ReadAllBytes(signedPath));
        var failures = new List<string>();
        foreach (var der in signatures)
        {
            if (Check(der, content) is not { } failure)
            {
                return;
            }

            failures.Add(failure);
        }

        throw new ClamAvFormatException(source, $"no signature verifies {Path.GetFileName(signedPath)} against the CA folder: {string.Join("; ", failures)}");
    }

    private static byte[] Decode(string line, int lineNumber, string source)
    {
        var fields = line.Split(':');
        if (fields.Length != 4 || fields[2] != "pkcs7-pem")
        {
            throw new ClamAvFormatException(source, $"line {lineNumber}: expected '<min flevel>:<max flevel>:pkcs7-pem:<base64>', got {fields.Length} fields");
        }

        try
        {
            return Convert.FromBase64String(fields[3]);
        }
        catch (FormatException)
        {
            throw new ClamAvFormatException(source, $"line {lineNumber}: the signature is not base64");
        }
    }

    private string? Check(byte[] der, ContentInfo content)
    {
        var cms = new SignedCms(content, detached: true);
        try
        {
            cms.Decode(der);
            cms.CheckSignature(verifySignatureOnly: true);
        }
        catch (CryptographicException e)
        {
            return e.Message.TrimEnd('.');
        }

        foreach (var signer in cms.SignerInfos)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
            chain.ChainPolicy.ExtraStore.AddRange(cms.Certificates);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (signer.Certificate is { } certificate && !chain.Build(certificate))
            {
                return $"{certificate.Subject}: {string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}";
            }
        }

        return null;
    }
}
