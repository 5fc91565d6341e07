namespace AlpineMirror.Storage;

/// <summary>What <see cref="SnapshotCloner"/> did to fill a staging folder.</summary>
/// <param name="AlreadyPresent">Entries a previous, interrupted clone had already made; left alone.</param>
/// <param name="CopyFallbackReason">Why some files were copied instead of hard-linked (the first failure), or null.</param>
public sealed record CloneResult(
    int DirectoriesCreated,
    int FilesLinked,
    int FilesCopied,
    int SymlinksCreated,
    int AlreadyPresent,
    string? CopyFallbackReason)
{
    /// <summary>Whether any file had to be copied: the snapshot then takes extra disk space, worth a warning.</summary>
    public bool UsedCopyFallback => CopyFallbackReason is not null;
}
