namespace AlpineMirror.Storage;

/// <summary>A mirror root whose files or links are not as the tool left them.</summary>
public sealed class StorageException(string source, string message, Exception? inner = null)
    : AlpineMirrorException(source, message, inner);
