using AlpineMirror.Build.Demo;

namespace AlpineMirror.Tests.ClamAv;

/// <summary>ClamAV's real signed <c>test</c> database (versions 1–6, patches, .sign files) in ../shared/fixtures/clamav.</summary>
internal static class ClamAvFixtures
{
    public static string Folder => Fixtures.Path("clamav");

    public static string File(string name) => Fixtures.Path("clamav", name);

    /// <summary>The CA folder that the fixtures' .sign files chain to (ClamAV's TEST root only).</summary>
    public static string TestCertificates(string scratch)
    {
        var folder = Directory.CreateDirectory(Path.Combine(scratch, "certs")).FullName;
        System.IO.File.Copy(File("clamav-test.crt"), Path.Combine(folder, "clamav-test.crt"), overwrite: true);
        return folder;
    }

    /// <summary>A copy of a fixture with the byte at <paramref name="offset"/> inverted (negative: from the end).</summary>
    public static string Flipped(string scratch, string name, long offset)
    {
        var bytes = System.IO.File.ReadAllBytes(File(name));
        var index = offset >= 0 ? offset : bytes.Length + offset;
        bytes[index] ^= 0xFF;
        var path = Path.Combine(scratch, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A stand-in upstream folder laid out as ClamAV's CDN is, with <c>test.cvd</c> at <paramref name="version"/>.</summary>
    public static string Upstream(string folder, int version) => ClamAvStandIn.Write(Folder, folder, version);
}
