using AlpineMirror.Apk;
using AlpineMirror.Demo;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// The two demo point releases (3.15.4, 3.15.5) written once per test class into their own upstream roots,
/// with the public key that signs them. Tests only read these files.
/// </summary>
public sealed class DemoReleases : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("demo-releases-").FullName;

    public DemoReleases()
    {
        (First, Second) = UpstreamGenerator.Demo();
        using var key = SigningKey.Create("demo@alpinemirror.test");
        var writer = new UpstreamWriter(key);
        FirstRoot = writer.Write(Path.Combine(_directory, First.Version), First).Root;
        SecondRoot = writer.Write(Path.Combine(_directory, Second.Version), Second).Root;
        KeysDirectory = Path.Combine(FirstRoot, UpstreamWriter.KeysDirectoryName);
        ReleaseKeysDirectory = Path.Combine(FirstRoot, UpstreamWriter.ReleaseKeysDirectoryName);
    }

    public UpstreamRelease First { get; }
    public UpstreamRelease Second { get; }
    /// <summary>Upstream roots: &lt;root&gt;/v3.15/main/x86_64/…, as a server serves them below /alpine.</summary>
    public string FirstRoot { get; }
    public string SecondRoot { get; }
    public string KeysDirectory { get; }
    /// <summary>The OpenPGP key of the releases' .asc files, for --release-keys.</summary>
    public string ReleaseKeysDirectory { get; }

    public string BranchDirectory(string upstreamRoot) => Path.Combine(upstreamRoot, First.Branch);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
