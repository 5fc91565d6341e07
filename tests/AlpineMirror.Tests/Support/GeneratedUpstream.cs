using AlpineMirror.Apk;
using AlpineMirror.Demo;

namespace AlpineMirror.Tests.Support;

/// <summary>
/// Upstream roots written by one <see cref="UpstreamWriter"/> with one key made at test time, so any release a test
/// builds (synthetic, changed, trimmed) verifies against <see cref="KeysDirectory"/>. Deleted on dispose.
/// </summary>
public sealed class GeneratedUpstream : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("generated-upstream-");
    private readonly SigningKey _key = SigningKey.Create("tests@alpinemirror.test");
    private readonly UpstreamWriter _writer;

    public GeneratedUpstream()
    {
        _writer = new UpstreamWriter(_key);
        KeysDirectory = _directory.CreateSubdirectory("keys").FullName;
        _key.WritePublicKey(KeysDirectory);
        ReleaseKeysDirectory = Path.Combine(_directory.FullName, "release-keys");
        ReleaseSigner.From(_key).WritePublicKey(ReleaseKeysDirectory);
    }

    /// <summary>A folder holding only the public key that signs every release written here.</summary>
    public string KeysDirectory { get; }

    /// <summary>A folder holding only the OpenPGP key that signs every release image written here (--release-keys).</summary>
    public string ReleaseKeysDirectory { get; }

    /// <summary>Writes <paramref name="release"/> into its own upstream root named <paramref name="name"/> and returns that root.</summary>
    public string Write(string name, UpstreamRelease release) =>
        _writer.Write(Path.Combine(_directory.FullName, "roots", name), release).Root;

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }
}
