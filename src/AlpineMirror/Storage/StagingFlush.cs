namespace AlpineMirror.Storage;

/// <summary>
/// A head start for the syncfs(2) before publication: started when Mirror has written the last file, it puts staged
/// data on disk while Verify reads the tree, so Relink's own syncfs (the guarantee, DESIGN.md §4 invariant 3) finds
/// little left to write.
/// </summary>
public static class StagingFlush
{
    /// <summary>Starts flushing the file system holding <paramref name="staging"/>; the task never fails.</summary>
    /// <remarks>Errors are left to the syncfs before publication, which reports them and refuses to publish.</remarks>
    public static Task Begin(string staging) => Task.Run(() => LibC.SyncFileSystem(staging));
}
