using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// The attack of issue 7, defect 6, on an upstream release folder: one file of the netboot tarball replaced, and
/// latest-releases.yaml, the .sha256 and .sha512 rewritten to vouch for the new tarball. Only the .asc is left as it was.
/// </summary>
public static class ForgedNetboot
{
    /// <summary>Replaces <c>boot/&lt;bootFile&gt;</c> in the netboot tarball of <paramref name="releasesFolder"/>; returns the tarball's name.</summary>
    public static string ReplaceBootFile(string releasesFolder, string bootFile, byte[] content)
    {
        var tarball = Directory.GetFiles(releasesFolder, "alpine-netboot-*.tar.gz").Single();
        var name = Path.GetFileName(tarball);
        var original = File.ReadAllBytes(tarball);
        var forged = Rewrite(original, "boot/" + bootFile, content);
        File.WriteAllBytes(tarball, forged);

        var yamlPath = Path.Combine(releasesFolder, "latest-releases.yaml");
        var yaml = File.ReadAllText(yamlPath)
            .Replace($"size: {original.Length}\n  sha256: {Hex(SHA256.HashData(original))}", $"size: {forged.Length}\n  sha256: {Hex(SHA256.HashData(forged))}")
            .Replace(Hex(SHA512.HashData(original)), Hex(SHA512.HashData(forged)));
        Assert.Contains(Hex(SHA256.HashData(forged)), yaml);
        File.WriteAllText(yamlPath, yaml);
        File.WriteAllText(tarball + ".sha256", $"{Hex(SHA256.HashData(forged))}  {name}\n");
        File.WriteAllText(tarball + ".sha512", $"{Hex(SHA512.HashData(forged))}  {name}\n");
        return name;
    }

    private static byte[] Rewrite(byte[] tarGz, string entryName, byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        using (var reader = new TarReader(new GZipStream(new MemoryStream(tarGz), CompressionMode.Decompress)))
        {
            var replaced = false;
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                if (entry.Name == entryName)
                {
                    entry.DataStream = new MemoryStream(content);
                    replaced = true;
                }

                writer.WriteEntry(entry);
            }

            Assert.True(replaced, $"no {entryName} in the netboot tarball");
        }

        return output.ToArray();
    }

    private static string Hex(byte[] digest) => Convert.ToHexStringLower(digest);

    /// <summary>Bytes standing in for a backdoored kernel.</summary>
    public static byte[] EvilKernel => Encoding.ASCII.GetBytes("Linux version 6.6.6 (attacker) #1 SMP\n" + new string('x', 4000));
}
