using System.IO.Enumeration;
using AlpineMirror.Storage;

namespace AlpineMirror.Mirroring;

/// <summary>Lists staging folders by name only: a FileSystemInfo per entry costs more than the rest of an incremental run.</summary>
internal static class FolderListing
{
    private static readonly EnumerationOptions IncludeHidden = new() { AttributesToSkip = 0 };

    /// <summary>
    /// The entries of <paramref name="folder"/> (at <paramref name="relativeFolder"/> of <paramref name="tree"/>) that the
    /// tree does not list, or lists as folders; hidden ones included. Listed files, the bulk, never become strings.
    /// </summary>
    /// <returns>Each entry's name, what the tree expects it to be (null: nothing), and whether it is a folder (or a symlink to one).</returns>
    public static IEnumerable<(string Name, ExpectedEntry? Expected, bool IsFolder)> UnlistedOrFolders(string folder, string relativeFolder, ExpectedTree tree) =>
        new FileSystemEnumerable<(string, ExpectedEntry?, bool)>(folder,
            (ref FileSystemEntry entry) => (entry.FileName.ToString(), tree.Find(relativeFolder, entry.FileName), entry.IsDirectory), IncludeHidden)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                tree.Find(relativeFolder, entry.FileName) is null or ExpectedEntry.Folder or ExpectedEntry.Subtree,
        };

    /// <summary><paramref name="name"/> inside <paramref name="relativeFolder"/>, with <c>/</c> as in the tree.</summary>
    public static string Child(string relativeFolder, string name) => relativeFolder.Length == 0 ? name : $"{relativeFolder}/{name}";
}
