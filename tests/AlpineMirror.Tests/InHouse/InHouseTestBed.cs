using System.Security.Cryptography;
using System.Text;
using AlpineMirror.Apk;
using AlpineMirror.InHouse;
using AlpineMirror.Storage;
using AlpineMirror.Tests.Support;
using AlpineMirror.Upstream;

namespace AlpineMirror.Tests.InHouse;

/// <summary>
/// A mirror root with the in-house key made by the real ceremony, a drop folder, and a folder of trusted builder keys:
/// Alpine's real keys for the real packages in ../shared/fixtures, apko's melange key, and a builder key made here.
/// </summary>
public sealed class InHouseTestBed : IDisposable
{
    public const long BuildTime = 1_700_000_000;
    public static readonly string[] Archs = ["x86_64", "aarch64"];

    private readonly DirectoryInfo _outside = Directory.CreateTempSubdirectory("inhouse-outside-");

    public InHouseTestBed()
    {
        Directory.CreateDirectory(Incoming);
        Directory.CreateDirectory(BuilderKeys);
        foreach (var key in new[] { "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub", "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub" })
        {
            File.Copy(Fixtures.Path("keys", "alpine", key), Path.Combine(BuilderKeys, key));
        }

        File.Copy(Fixtures.Path("extra", "chainguard-dev__apko", "internal", "cli", "testdata", "packages", "melange.rsa.pub"),
            Path.Combine(BuilderKeys, "melange.rsa.pub"));
        Builder = SigningKey.Create("builder@example.org");
        Builder.WritePublicKey(BuilderKeys);
        InHouseKeyPair.Create(Mirror, Options);
    }

    public TemporaryMirrorRoot Root { get; } = new();

    public MirrorRoot Mirror => new(Root.Path);

    /// <summary>Outside the root, as the web server must never publish the private key.</summary>
    public string PrivateKey => Path.Combine(_outside.FullName, "secrets", "panoptiscan.rsa");

    public string Incoming => Path.Combine(_outside.FullName, "incoming");

    public string BuilderKeys => Path.Combine(_outside.FullName, "builder-keys");

    public SigningKey Builder { get; }

    public InHouseOptions Options => new() { Key = PrivateKey, Incoming = Incoming, Keys = BuilderKeys };

    public InHouseRepository Repository => new(Mirror, InHouseOptions.DefaultName);

    public InHouseFeed Feed(InHouseOptions? options = null, IReadOnlyList<string>? archs = null) =>
        new(Mirror, options ?? Options, archs ?? Archs, new UpstreamClientOptions { Retries = 0, Timeout = TimeSpan.FromSeconds(10) });

    /// <summary>Copies a real fixture package into the drop folder (or its <paramref name="folder"/>).</summary>
    public string DropFixture(string folder, params string[] fixture)
    {
        var target = Path.Combine(Directory.CreateDirectory(Path.Combine(Incoming, folder)).FullName, Path.GetFileName(fixture[^1]));
        File.Copy(Fixtures.Path(fixture), target);
        return target;
    }

    /// <summary>Builds a package with our writer, signed by <paramref name="key"/> (the builder's by default), into the drop folder.</summary>
    public string Drop(string name, string version, string arch = "x86_64", SigningKey? key = null, string folder = "", string content = "")
    {
        var package = new ApkPackageBuilder(key ?? Builder).Build(Spec(name, version, arch, content));
        return package.WriteTo(Directory.CreateDirectory(Path.Combine(Incoming, folder)).FullName);
    }

    public static PackageSpec Spec(string name, string version, string arch = "x86_64", string content = "") => new()
    {
        Name = name,
        Version = version,
        Arch = arch,
        Description = $"{name} for the stations",
        Url = "https://panoptiscan.example/",
        License = "Proprietary",
        Maintainer = "Station Team <stations@panoptiscan.example>",
        BuildTime = BuildTime,
        Files = [PackageFile.Text($"usr/share/{name}/VERSION", $"{version}{content}\n")],
    };

    /// <summary>The published index of <paramref name="arch"/>, read with the in-house public key the stations get.</summary>
    public ApkIndex ReadIndex(string arch)
    {
        using var keys = TrustedKeys.Load(Path.GetDirectoryName(Repository.PublicKeyPath)!);
        return ApkIndexReader.Read(Repository.IndexPath(arch), keys);
    }

    public IReadOnlyList<string> Listed(string arch) => [.. ReadIndex(arch).Entries.Select(e => e.FileName)];

    /// <summary>The published repository, file by file, to prove a refused run changed nothing.</summary>
    public SortedDictionary<string, string> RepositoryDigest() =>
        Directory.Exists(Repository.Path) ? TreeDigest.Of(Repository.Path) : [];

    /// <summary>
    /// A package signed by <paramref name="key"/> whose .PKGINFO says exactly what it is given, which our builder refuses
    /// to write: how a hostile or broken build looks.
    /// </summary>
    public static byte[] Hostile(SigningKey key, string pkgname, string pkgver, string arch)
    {
        var data = DataMember(new ApkPackageBuilder(null).Build(Spec("carrier", "1.0-r0")));
        var info = $"pkgname = {pkgname}\npkgver = {pkgver}\narch = {arch}\nsize = 1\nbuilddate = {BuildTime}\ndatahash = {Convert.ToHexStringLower(SHA256.HashData(data))}\n";
        using var control = new TarSegmentBuilder(paxHeaders: true, BuildTime);
        control.AddFile(".PKGINFO", Encoding.UTF8.GetBytes(info), PackageFile.RegularMode);
        var controlMember = control.ToGzipMember(cut: true);
        return [.. SignatureSegment.Create(key, HashAlgorithmName.SHA256, controlMember, BuildTime), .. controlMember, .. data];
    }

    private static byte[] DataMember(BuiltApkPackage unsigned) => Apk.RawGzipMembers.Split(unsigned.Content.ToArray())[1];

    public void Dispose()
    {
        Builder.Dispose();
        Root.Dispose();
        _outside.Delete(recursive: true);
    }
}
