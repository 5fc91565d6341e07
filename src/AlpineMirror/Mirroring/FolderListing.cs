using System.IO.Enumeration;
using AlpineMirror.Storage;

namespace AlpineMirror.Mirroring;

/// <summary>Lists staging folders by name only: a FileSystemInfo per entry costs more than the rest of an incremental run.</summary>
internal static class FolderListing
{
    private static readonly EnumerationOptions IncludeHidden = new() { AttributesToSkip = 0 };

    /// <summary>The entries of <paramref name="folder"/> that <paramref name="listed"/> does not name, hidden ones included.</summary>
    /// <returns>Each entry's name and whether it is a folder (or a symlink to one).</returns>
    public static IEnumerable<(string Name, bool IsFolder)> Unlisted(string folder, HashSet<string> listed)
    {
        // Names are looked up as spans: only the few unlisted entries become strings.
        var names = listed.GetAlternateLookup<ReadOnlySpan<char>>();
        return new FileSystemEnumerable<(string, bool)>(folder, (ref FileSystemEntry entry) => (entry.FileName.ToString(), entry.IsDirectory), IncludeHidden)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !names.Contains(entry.FileName),
        };
    }

    /// <summary>Temporaries anywhere below <paramref name="root"/>, as full paths; symlinks to folders are not followed.</summary>
    public static IEnumerable<string> TemporariesBelow(string root)
    {
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var folder))
        {
            // Temporaries start with a dot, so only those names and the folders need a closer look.
            var entries = new FileSystemEnumerable<(string Path, bool IsFolder)>(folder,
                (ref FileSystemEntry entry) => (entry.ToFullPath(), entry.IsDirectory), IncludeHidden)
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => entry.IsDirectory || entry.FileName.StartsWith('.'),
            };
            foreach (var (path, isFolder) in entries)
            {
                if (AtomicFile.IsTemporary(path))
                {
                    yield return path;
                }
                else if (isFolder && new DirectoryInfo(path).LinkTarget is null)
                {
                    pending.Push(path);
                }
            }
        }
    }
}
