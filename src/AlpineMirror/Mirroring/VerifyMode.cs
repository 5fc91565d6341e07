namespace AlpineMirror.Mirroring;

/// <summary>Which staged files the Mirror and Verify steps read and hash again.</summary>
public enum VerifyMode
{
    /// <summary>
    /// Every file except those still shared (same inode) with a previous snapshot AlpineMirror verified and published,
    /// and listed unchanged since: those are checked for presence and size. Without such a snapshot, as <see cref="Full"/>.
    /// Verify also skips the files this run's Mirror step downloaded and verified that are still the very same files
    /// (<see cref="MirroredFiles"/>).
    /// </summary>
    Changed,

    /// <summary>Every package and release image is hashed, whatever it shares with the previous snapshot.</summary>
    Full,
}
