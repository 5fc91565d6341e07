namespace AlpineMirror.InHouse;

/// <summary>
/// The folder builds leave packages in (<c>--inhouse-incoming</c>): <c>*.apk</c> at its top, or in <c>&lt;arch&gt;/</c>
/// folders as abuild writes its repository. Read only, never written: what a build left stays until the build removes it.
/// </summary>
public sealed class DropFolder
{
    private const string PackagePattern = "*.apk";

    public DropFolder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    /// <summary>Every package file, sorted; names starting with a dot (a copy still in progress) are skipped.</summary>
    /// <exception cref="InHouseSetupException">The folder does not exist.</exception>
    public IReadOnlyList<DroppedFile> List()
    {
        if (!Directory.Exists(Path))
        {
            throw new InHouseSetupException(Path, "drop folder (--inhouse-incoming): not found; expected a folder of .apk files, flat or in <arch>/ folders");
        }

        var files = Directory.EnumerateFiles(Path, PackagePattern).Select(file => new DroppedFile(file, null))
            .Concat(Directory.EnumerateDirectories(Path).SelectMany(folder =>
                Directory.EnumerateFiles(folder, PackagePattern).Select(file => new DroppedFile(file, System.IO.Path.GetFileName(folder)))));
        return [.. files.OrderBy(file => file.Path, StringComparer.Ordinal)];
    }
}
