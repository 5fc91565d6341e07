namespace AlpineMirror.Storage;

/// <summary>A mirror root whose files or links are not as the tool left them.</summary>
public sealed class StorageException(string source, string message, Exception? inner = null)
    : AlpineMirrorException(source, message, inner)
{
    /// <summary>A folder for work in progress that is a symlink: followed, it would lead hard links and writes anywhere.</summary>
    public static StorageException SymlinkedWorkFolder(string folder, string target) =>
        new(folder, $"expected a real folder for work in progress, found a symlink to '{target}': remove the link (not its target) and run again");
}
