using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace AlpineMirror.Tests.Apk;

/// <summary>
/// Builds validly signed APKINDEX.tar.gz files around arbitrary (even malformed) APKINDEX text, the way abuild-sign
/// does: a throw-away RSA key made at test time, a PKCS#1 v1.5 signature over the raw unsigned .tar.gz, and a gzipped
/// signature tar with its end-of-archive blocks cut, prepended. Test-only, independent of the product's writer.
/// </summary>
internal sealed class SignedIndexFactory : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-signed-index-");

    public SignedIndexFactory(string keyName = "tests@example.org-00000001.rsa.pub")
    {
        KeyName = keyName;
        KeysDirectory = _directory.CreateSubdirectory("keys").FullName;
        File.WriteAllText(Path.Combine(KeysDirectory, keyName), _key.ExportSubjectPublicKeyInfoPem() + "\n");
    }

    /// <summary>The public key file name the signatures name.</summary>
    public string KeyName { get; }

    /// <summary>A folder holding only this factory's public key.</summary>
    public string KeysDirectory { get; }

    /// <summary>A signed index whose APKINDEX entry holds exactly <paramref name="apkindex"/> (no APKINDEX entry when null).</summary>
    public byte[] Create(string? apkindex, string? description = "v3.99.0-1-gtest") =>
        CreateWithEntries([.. description is null ? [] : new[] { ("DESCRIPTION", description) }, .. apkindex is null ? [] : new[] { ("APKINDEX", apkindex) }]);

    /// <summary>A signed index whose tar holds exactly <paramref name="entries"/> (name, text), in order.</summary>
    public byte[] CreateWithEntries(IReadOnlyList<(string Name, string Text)> entries)
    {
        var unsigned = UnsignedIndex(entries);
        return [.. SignatureMember(unsigned), .. unsigned];
    }

    /// <summary>Writes a signed index to a temporary file and returns its path.</summary>
    public string Write(string apkindex, string? description = "v3.99.0-1-gtest")
    {
        var path = Path.Combine(_directory.FullName, $"{Guid.NewGuid():N}-APKINDEX.tar.gz");
        File.WriteAllBytes(path, Create(apkindex, description));
        return path;
    }

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }

    private static byte[] UnsignedIndex(IReadOnlyList<(string Name, string Text)> entries)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var (name, text) in entries)
            {
                writer.WriteEntry(TextEntry(name, text));
            }
        }

        return Gzip(tar.ToArray());
    }

    private byte[] SignatureMember(byte[] signed)
    {
        var signature = _key.SignData(signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var tar = new MemoryStream();
        int cutLength;
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, ".SIGN.RSA256." + KeyName)
            {
                DataStream = new MemoryStream(signature),
            });
            cutLength = (int)tar.Position;
        }

        // abuild-tar --cut: the signature tar ends without the two zero end-of-archive blocks the writer appended.
        return Gzip(tar.ToArray()[..cutLength]);
    }

    private static GnuTarEntry TextEntry(string name, string text) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
