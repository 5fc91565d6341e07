namespace AlpineMirror.Storage;

/// <summary>Another run holds the mirror root's lock (DESIGN.md §4.4); the message names it and says what to do.</summary>
public sealed class LockHeldException(string lockFile, RunLockHolder? holder)
    : AlpineMirrorException(lockFile, Describe(lockFile, holder))
{
    /// <summary>The holder as it recorded itself, or null when it has not (yet) written its record.</summary>
    public RunLockHolder? Holder { get; } = holder;

    private static string Describe(string lockFile, RunLockHolder? holder) =>
        holder is null
            ? $"another process holds the lock but has not recorded who it is; find it with 'fuser -v {lockFile}' and wait for it to finish"
            : $"another run holds the lock: {holder}; wait for it to finish, or stop that process; the lock frees itself when the process exits";
}
