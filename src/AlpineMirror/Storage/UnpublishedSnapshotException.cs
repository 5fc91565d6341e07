namespace AlpineMirror.Storage;

/// <summary>
/// A folder named like a snapshot, newer than the one latest-stable points to, that this tool did not publish (no
/// <see cref="SnapshotPublication"/> vouches for it): it is never linked or trusted, and never deleted either; exit code 3.
/// </summary>
public sealed class UnpublishedSnapshotException(string folder, string current)
    : IntegrityException(folder,
        $"named like a snapshot and newer than latest-stable ({current}), but not published by this tool (no publication record matches this folder), "
        + "so it is never linked or trusted; move it out of the root (or delete it), then run the update again: it mirrors and verifies the release itself");
