namespace AlpineMirror.Storage;

/// <summary>What one entry of an <see cref="ExpectedTree"/> must be.</summary>
public enum ExpectedEntry
{
    /// <summary>A regular file.</summary>
    File,

    /// <summary>A real folder (never a symlink to one) whose entries the tree lists in turn.</summary>
    Folder,

    /// <summary>A symlink.</summary>
    Symlink,

    /// <summary>A real folder whose whole content another check owns (a netboot folder, compared with its tarball).</summary>
    Subtree,

    /// <summary>A file or folder somewhere inside a <see cref="Subtree"/>.</summary>
    InsideSubtree,
}
