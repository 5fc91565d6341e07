using AlpineMirror.Storage;

namespace AlpineMirror.Tests.Storage;

/// <summary>A mirror root in a fresh temporary folder, with snapshots and staging folders made on request; deleted on dispose.</summary>
internal sealed class TemporaryRoot : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("alpinemirror-root-");

    public TemporaryRoot() => Root = new MirrorRoot(_directory.FullName);

    public MirrorRoot Root { get; }

    /// <summary>A published snapshot folder holding an index and a package that name the snapshot.</summary>
    public string AddSnapshot(string name) => Fill(Root.SnapshotPath(name), name);

    /// <summary>A staging folder as a verified run leaves it.</summary>
    public string AddStaging(string name) => Fill(Root.StagingPath(name), name);

    /// <summary>Points latest-stable at <paramref name="name"/> the way a publication does.</summary>
    public void SetCurrent(string name) => AtomicSymlink.Replace(Root.LatestStableLink, name);

    public string[] RootNames() =>
        _directory.EnumerateFileSystemInfos().Select(i => i.Name).Order(StringComparer.Ordinal).ToArray();

    public void Dispose() => _directory.Delete(recursive: true);

    private static string Fill(string path, string name)
    {
        Directory.CreateDirectory(Path.Combine(path, "main", "x86_64"));
        File.WriteAllText(Path.Combine(path, "main", "x86_64", "APKINDEX.tar.gz"), $"index of {name}");
        File.WriteAllText(Path.Combine(path, "main", "x86_64", "busybox-1.34.1-r5.apk"), "busybox");
        return path;
    }
}
