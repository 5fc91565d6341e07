using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Storage;

/// <summary>
/// A mirror root reached through a symlink, as <c>/srv/alpine -> /data/alpine</c>: <see cref="Root"/> is opened as
/// <c>srv</c>, the folders live in <see cref="RealPath"/>; deleted on dispose.
/// </summary>
internal sealed class SymlinkedRoot : IDisposable
{
    private readonly DirectoryInfo _parent = Directory.CreateTempSubdirectory("alpinemirror-symlinked-");

    public SymlinkedRoot(params string[] snapshots)
    {
        RealPath = _parent.CreateSubdirectory("real").FullName;
        ServedPath = Path.Combine(_parent.FullName, "srv");
        Directory.CreateSymbolicLink(ServedPath, RealPath);
        Root = new MirrorRoot(ServedPath);
        foreach (var name in snapshots)
        {
            Directory.CreateDirectory(Path.Combine(RealPath, name));
        }
    }

    public MirrorRoot Root { get; }

    /// <summary>The folder that really holds the root.</summary>
    public string RealPath { get; }

    /// <summary>The symlink the root is reached through.</summary>
    public string ServedPath { get; }

    /// <summary>Makes the link <paramref name="name"/> in the root with the absolute target <paramref name="target"/>.</summary>
    public void Link(string name, string target) => File.CreateSymbolicLink(Path.Combine(RealPath, name), target);

    public void Dispose() => _parent.Delete(recursive: true);
}
